/* tc-test-sinks.c: the real outside parts offline delivery talks to */
#include <signal.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "tc-test-sinks.h"

#define PYTHON                 "/usr/bin/python3"
#define START_TIMEOUT_SECONDS  30
#define WAIT_LIMIT_SECONDS     120

struct _TcTestSink
{
  GSubprocess *process;
};

guint16
tc_test_free_port (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  /* Below Linux's ephemeral range (32768–60999): a port taken from it
   * could be handed to some client's outgoing connection before the sink
   * listens on it, which happens when a test starts its SMTP server only
   * after a while (an outage). */
  for (guint attempt = 0; attempt < 1000; attempt++)
    {
      guint16 port = (guint16) g_random_int_range (20000, 32768);
      g_autoptr(GSocket) socket = NULL;
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
      g_autoptr(GError) error = NULL;

      socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                             &error);
      g_assert_no_error (error);
      if (g_socket_bind (socket, address, FALSE, NULL))
        return port;
    }
  g_error ("no free TCP port between 20000 and 32767");
}

static void
child_setup (gpointer data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

static char *
script_path (const char *name)
{
#ifdef TC_IT_SCRIPTS_DIR
  return g_build_filename (TC_IT_SCRIPTS_DIR, name, NULL);
#else
  return g_test_build_filename (G_TEST_DIST, "server", name, NULL);
#endif
}

static TcTestSink *
sink_start (GPtrArray *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  TcTestSink *self = g_new0 (TcTestSink, 1);

  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "ready");
  return self;
}

TcTestSink *
tc_test_smtp_sink_new (guint16     port,
                       const char *dir,
                       const char *auth)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_ptr_array_add (argv, g_strdup (PYTHON));
  g_ptr_array_add (argv, script_path ("smtp-sink.py"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", port));
  g_ptr_array_add (argv, g_strdup (dir));
  if (auth != NULL)
    g_ptr_array_add (argv, g_strdup (auth));
  return sink_start (argv);
}

TcTestSink *
tc_test_smtp_sink_new_tls (guint16        port,
                           const char    *dir,
                           TcTestSmtpTls  tls,
                           const char    *cert,
                           const char    *key)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_ptr_array_add (argv, g_strdup (PYTHON));
  g_ptr_array_add (argv, script_path ("smtp-sink.py"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", port));
  g_ptr_array_add (argv, g_strdup (dir));
  g_ptr_array_add (argv, g_strdup (tls == TC_TEST_SMTP_STARTTLS ? "--starttls" : "--smtps"));
  g_ptr_array_add (argv, g_strdup (cert));
  g_ptr_array_add (argv, g_strdup (key));
  return sink_start (argv);
}

void
tc_test_make_certificate (const char  *dir,
                          char       **cert,
                          char       **key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cert_path = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key_path = g_build_filename (dir, "key.pem", NULL);
  const char *argv[] = {
    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-nodes", "-days", "2", "-subj", "/CN=Team Chat test",
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "-keyout", key_path, "-out", cert_path, NULL,
  };
  int status = 0;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  *cert = g_steal_pointer (&cert_path);
  *key = g_steal_pointer (&key_path);
}

TcTestSink *
tc_test_sms_sink_new (guint16              port,
                      const char          *dir,
                      const char * const  *rejected)
{
  return tc_test_sms_sink_new_failing (port, dir, rejected, 0);
}

TcTestSink *
tc_test_sms_sink_new_failing (guint16              port,
                              const char          *dir,
                              const char * const  *rejected,
                              guint                n_failures)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_ptr_array_add (argv, g_strdup (PYTHON));
  g_ptr_array_add (argv, script_path ("sms-sink.py"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", port));
  g_ptr_array_add (argv, g_strdup (dir));
  g_ptr_array_add (argv, g_strdup (TC_TEST_SMS_SID));
  g_ptr_array_add (argv, g_strdup (TC_TEST_SMS_TOKEN));
  if (n_failures > 0)
    g_ptr_array_add (argv, g_strdup_printf ("--fail-first=%u", n_failures));
  for (guint i = 0; rejected != NULL && rejected[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (rejected[i]));
  return sink_start (argv);
}

void
tc_test_sink_free (TcTestSink *self)
{
  if (self == NULL)
    return;
  g_subprocess_force_exit (self->process);
  g_subprocess_wait (self->process, NULL, NULL);
  g_object_unref (self->process);
  g_free (self);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char **) a, *(char **) b);
}

GPtrArray *
tc_test_sink_received (const char *dir)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *contents = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (!g_str_has_suffix (name, ".tmp"))
      g_ptr_array_add (names, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr(GError) error = NULL;
      char *data = NULL;
      gsize len = 0;

      g_file_get_contents (g_ptr_array_index (names, i), &data, &len, &error);
      g_assert_no_error (error);
      g_ptr_array_add (contents, g_bytes_new_take (data, len));
    }
  return contents;
}

typedef struct {
  const char *dir;
  guint       n;
} WaitFiles;

static gboolean
enough_files (gpointer data)
{
  WaitFiles *wait = data;
  g_autoptr(GPtrArray) received = tc_test_sink_received (wait->dir);

  return received->len >= wait->n;
}

GPtrArray *
tc_test_sink_wait (const char *dir,
                   guint       n)
{
  WaitFiles wait = { dir, n };
  g_autofree char *what = g_strdup_printf ("%u messages in %s", n, dir);

  tc_test_wait_until (enough_files, &wait, what);
  return tc_test_sink_received (dir);
}

void
tc_test_wait_until (gboolean   (*func) (gpointer data),
                    gpointer     data,
                    const char  *what)
{
  gint64 limit = g_get_monotonic_time () + WAIT_LIMIT_SECONDS * G_USEC_PER_SEC;

  while (!func (data))
    {
      if (g_get_monotonic_time () > limit)
        g_error ("gave up waiting for %s", what);
      g_usleep (50 * 1000);
    }
}
