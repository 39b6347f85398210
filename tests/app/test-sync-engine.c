/* test-sync-engine.c: TcSyncEngine against the real server
 *
 * Each "device" is a logged-in client, its own replica file and an engine
 * with short reconnect delays. Every wait has a generous guard and no
 * test asserts how long anything took.
 */
#include <glib/gstdio.h>

#include "tc-app-test.h"
#include "tc-error.h"
#include "tc-test-server.h"

#define PAGE_SIZE 7

/* --- a network monitor the test controls ---------------------------------------- */

#define TEST_TYPE_MONITOR (test_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TestMonitor, test_monitor, TEST, MONITOR, GObject)

struct _TestMonitor
{
  GObject parent_instance;
};

enum {
  MONITOR_PROP_0,
  MONITOR_PROP_AVAILABLE,
  MONITOR_PROP_METERED,
  MONITOR_PROP_CONNECTIVITY,
};

static void test_monitor_initable_iface_init (GInitableIface *iface);
static void test_monitor_iface_init (GNetworkMonitorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestMonitor, test_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      test_monitor_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR,
                                                      test_monitor_iface_init))

static gboolean
test_monitor_initable_init (GInitable     *initable,
                            GCancellable  *cancellable,
                            GError       **error)
{
  return TRUE;
}

static void
test_monitor_initable_iface_init (GInitableIface *iface)
{
  iface->init = test_monitor_initable_init;
}

static void
test_monitor_iface_init (GNetworkMonitorInterface *iface)
{
}

static void
test_monitor_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  switch (prop_id)
    {
    case MONITOR_PROP_AVAILABLE:
      g_value_set_boolean (value, TRUE);
      break;
    case MONITOR_PROP_METERED:
      g_value_set_boolean (value, FALSE);
      break;
    case MONITOR_PROP_CONNECTIVITY:
      g_value_set_enum (value, G_NETWORK_CONNECTIVITY_FULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_monitor_class_init (TestMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_monitor_get_property;
  g_object_class_override_property (object_class, MONITOR_PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, MONITOR_PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, MONITOR_PROP_CONNECTIVITY, "connectivity");
}

static void
test_monitor_init (TestMonitor *self)
{
}

/* --- devices ------------------------------------------------------------------------ */

typedef struct {
  char         *id;
  TcApiClient  *client;
  TcReplica    *replica;
  TcSyncEngine *engine;
  gboolean      saw_first_sync;
  gboolean      saw_fraction;   /* progress strictly between 0 and 1 */
  guint         n_online;       /* times the engine went online */
} Device;

typedef struct {
  TcAppServer *server;
  char        *dir;
  GPtrArray   *devices;
} Fixture;

static void
on_first_sync_cb (TcSyncEngine *engine,
                  GParamSpec   *pspec,
                  Device       *device)
{
  if (tc_sync_engine_get_first_sync (engine))
    device->saw_first_sync = TRUE;
}

static void
on_progress_cb (TcSyncEngine *engine,
                GParamSpec   *pspec,
                Device       *device)
{
  double progress = tc_sync_engine_get_progress (engine);

  if (progress > 0.0 && progress < 1.0)
    device->saw_fraction = TRUE;
}

static void
on_state_cb (TcSyncEngine *engine,
             GParamSpec   *pspec,
             Device       *device)
{
  if (tc_sync_engine_get_state (engine) == TC_SYNC_STATE_ONLINE)
    device->n_online++;
}

/* A device of @id whose replica is @path (NULL: a new file). */
static Device *
device_new_full (Fixture         *f,
                 const char      *id,
                 const char      *replica_path,
                 GNetworkMonitor *monitor,
                 guint            page_size)
{
  Device *device = g_new0 (Device, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("%s-%u.db", id, f->devices->len);
  g_autofree char *path = replica_path != NULL ? g_strdup (replica_path)
                                               : g_build_filename (f->dir, name, NULL);

  device->id = g_strdup (id);
  device->client = tc_app_test_login (f->server, id);
  device->replica = tc_app_test_replica_open (path, id, &error);
  g_assert_no_error (error);
  device->engine = g_object_new (TC_TYPE_SYNC_ENGINE,
                                 "api-client", device->client,
                                 "replica", device->replica,
                                 "network-monitor", monitor,
                                 "backoff-base", 20,
                                 "backoff-cap", 200,
                                 "page-size", page_size,
                                 NULL);
  g_signal_connect (device->engine, "notify::first-sync", G_CALLBACK (on_first_sync_cb), device);
  g_signal_connect (device->engine, "notify::progress", G_CALLBACK (on_progress_cb), device);
  g_signal_connect (device->engine, "notify::state", G_CALLBACK (on_state_cb), device);
  g_ptr_array_add (f->devices, device);
  return device;
}

static Device *
device_new (Fixture    *f,
            const char *id)
{
  return device_new_full (f, id, NULL, NULL, PAGE_SIZE);
}

static void
device_free (Device *device)
{
  tc_sync_engine_stop (device->engine);
  g_signal_handlers_disconnect_by_data (device->engine, device);
  g_clear_object (&device->engine);
  tc_app_test_replica_close (&device->replica);
  g_clear_object (&device->client);
  g_free (device->id);
  g_free (device);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = tc_app_server_new ();
  f->dir = g_dir_make_tmp ("tc-engine-XXXXXX", &error);
  g_assert_no_error (error);
  f->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) device_free);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_ptr_array_unref (f->devices);
  tc_app_server_free (f->server);
  remove_tree (f->dir);
  g_free (f->dir);
}

/* --- waiting --------------------------------------------------------------------------- */

typedef struct {
  TcSyncEngine *engine;
  TcSyncState   state;
} StateWait;

static gboolean
state_reached (gpointer data)
{
  StateWait *wait = data;

  return tc_sync_engine_get_state (wait->engine) == wait->state;
}

static void
wait_state (Device      *device,
            TcSyncState  state)
{
  StateWait wait = { device->engine, state };
  g_autofree char *what = g_strdup_printf ("engine of %s in state %d", device->id, state);

  tc_app_test_run_until (state_reached, &wait, what);
}

typedef gboolean (*DevicePredicate) (Device *device, gconstpointer data);

typedef struct {
  Device          *device;
  DevicePredicate  predicate;
  gconstpointer    data;
} DeviceWait;

static gboolean
device_done (gpointer data)
{
  DeviceWait *wait = data;

  return wait->predicate (wait->device, wait->data);
}

static void
wait_device (Device          *device,
             DevicePredicate  predicate,
             gconstpointer    data,
             const char      *what)
{
  DeviceWait wait = { device, predicate, data };

  tc_app_test_run_until (device_done, &wait, what);
}

/* --- comparing with the server -------------------------------------------------------------- */

static const char * const *
team_of (const char *id)
{
  static const char * const a[] = { "B", "C", "D", "E", "F", NULL };
  static const char * const b[] = { "A", "D", NULL };
  static const char * const c[] = { "A", "D", "E", "F", NULL };
  static const char * const d[] = { "A", "B", "C", NULL };

  switch (id[0])
    {
    case 'A': return a;
    case 'B': return b;
    case 'C': return c;
    case 'D': return d;
    default: g_assert_not_reached ();
    }
  return NULL;
}

/* TRUE when the replica holds exactly the server's messages with every
 * peer (and nothing pending), as the server renders them now. */
static gboolean
converged (Device        *device,
           gconstpointer  data)
{
  return tc_app_test_converged (device->replica, device->client, team_of (device->id));
}

static void
assert_converged (Device *device)
{
  g_autofree char *what = g_strdup_printf ("replica of %s equal to the server", device->id);

  wait_device (device, converged, NULL, what);
}

static gboolean
members_match (Device        *device,
               gconstpointer  data)
{
  const char * const *team = team_of (device->id);
  g_autoptr(GPtrArray) members = tc_app_test_replica_members (device->replica, NULL);

  if (members->len != g_strv_length ((char **) team))
    return FALSE;
  for (guint i = 0; i < members->len; i++)
    if (!g_strv_contains (team, ((TcAssociate *) g_ptr_array_index (members, i))->id))
      return FALSE;
  return TRUE;
}

/* Messages on the server with @body between the two (both directions). */
static guint
count_on_server (TcApiClient *client,
                 const char  *peer,
                 const char  *body)
{
  g_autoptr(GPtrArray) history = tc_app_test_history (client, peer);
  guint n = 0;

  for (guint i = 0; i < history->len; i++)
    n += g_strcmp0 (((TcMessage *) g_ptr_array_index (history, i))->body, body) == 0;
  return n;
}

static TcReplicaMessage *
find_body (GPtrArray  *rows,
           const char *body)
{
  for (guint i = 0; i < rows->len; i++)
    {
      TcReplicaMessage *row = g_ptr_array_index (rows, i);

      if (g_strcmp0 (row->message->body, body) == 0)
        return row;
    }
  return NULL;
}

typedef struct {
  const char     *peer;
  const char     *body;
  TcMessageState  state;
} MessageWanted;

static gboolean
has_message (Device        *device,
             gconstpointer  data)
{
  const MessageWanted *wanted = data;
  g_autoptr(GPtrArray) rows = tc_app_test_replica_messages (device->replica, wanted->peer, 0, 50);
  TcReplicaMessage *row = find_body (rows, wanted->body);

  return row != NULL && row->state == wanted->state;
}

static void
wait_message (Device         *device,
              const char     *peer,
              const char     *body,
              TcMessageState  state)
{
  MessageWanted wanted = { peer, body, state };
  g_autofree char *what = g_strdup_printf ("“%s” %s in %s's replica", body,
                                           tc_message_state_to_string (state), device->id);

  wait_device (device, has_message, &wanted, what);
}

static gboolean
nothing_pending (Device        *device,
                 gconstpointer  data)
{
  g_autoptr(TcSendRequest) request = tc_app_test_replica_next_outbox (device->replica);

  return request == NULL;
}

static void
enqueue (Device     *device,
         const char *to,
         const char *body)
{
  const char * const recipients[] = { to, NULL };
  g_auto(GStrv) ids = tc_app_test_replica_enqueue (device->replica, recipients, body);
}

static void
send_many (TcApiClient *client,
           const char  *to,
           const char  *prefix,
           guint        n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *body = g_strdup_printf ("%s %u", prefix, i);
      g_autoptr(TcMessage) message = tc_app_test_send (client, to, body);
    }
}

static void
read_on_server (TcApiClient *client,
                const char  *peer,
                gint64       up_to)
{
  TcAppTestAsync async = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tc_api_client_read_async (client, peer, up_to, NULL, tc_app_test_async_cb, &async);
  result = tc_app_test_async_wait (&async, "read");
  g_assert_true (tc_api_client_read_finish (client, result, &error));
  g_assert_no_error (error);
}

/* --- tests --------------------------------------------------------------------------------- */

static void
test_initial_sync (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(TcApiClient) alice = tc_app_test_login (f->server, "A");
  g_autoptr(TcApiClient) bob = tc_app_test_login (f->server, "B");
  g_autoptr(TcApiClient) carol = tc_app_test_login (f->server, "C");
  g_autoptr(TcMessage) marked = NULL;
  g_autoptr(TcMessage) last_from_bob = NULL;
  g_autoptr(TcMessage) last_to_bob = NULL;
  g_autofree char *cursor = NULL;
  g_autoptr(GPtrArray) unread = NULL;
  Device *device;
  guint server_unread = 0;

  /* History on the server before the app ever ran: enough for pages. */
  send_many (bob, "A", "from Bob", 12);
  send_many (alice, "B", "to Bob", 9);
  send_many (carol, "A", "from Carol", 5);
  marked = tc_app_test_send (bob, "A", "Bob's last but two");
  last_from_bob = tc_app_test_send (bob, "A", "Bob's last but one");
  g_clear_pointer (&last_from_bob, tc_message_free);
  last_from_bob = tc_app_test_send (bob, "A", "Bob's last");
  last_to_bob = tc_app_test_send (alice, "B", "Alice's last");
  read_on_server (alice, "B", marked->id);              /* from another device */
  read_on_server (bob, "A", last_to_bob->id);           /* a read receipt */

  device = device_new (f, "A");
  tc_sync_engine_start (device->engine);
  wait_state (device, TC_SYNC_STATE_ONLINE);

  g_assert_true (device->saw_first_sync);
  /* The server's "head" gives a real fraction between the pages. */
  g_assert_true (device->saw_fraction);
  g_assert_false (tc_sync_engine_get_first_sync (device->engine));
  g_assert_cmpfloat (tc_sync_engine_get_progress (device->engine), ==, 1.0);
  g_assert_cmpuint (tc_sync_engine_get_synced_events (device->engine), >, 28);
  g_assert_null (tc_sync_engine_get_error (device->engine));
  cursor = tc_app_test_replica_cursor (device->replica);
  g_assert_nonnull (cursor);

  assert_converged (device);
  g_assert_true (members_match (device, NULL));

  /* Unread counts as the server sees them. */
  for (guint i = 0; team_of ("A")[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) history = tc_app_test_history (alice, team_of ("A")[i]);

      for (guint j = 0; j < history->len; j++)
        {
          TcMessage *message = g_ptr_array_index (history, j);

          server_unread += g_str_equal (message->to, "A") && !message->read;
        }
    }
  g_assert_cmpuint (server_unread, ==, 2 + 5);
  g_assert_cmpuint (tc_app_test_replica_unread (device->replica), ==, server_unread);
  unread = tc_app_test_replica_conversations (device->replica, TC_CONVERSATIONS_UNREAD);
  g_assert_cmpuint (unread->len, ==, 2);
}

typedef struct {
  const char *id;
  gboolean    online;
} PresenceWanted;

static gboolean
has_presence (Device        *device,
              gconstpointer  data)
{
  const PresenceWanted *wanted = data;
  g_autoptr(GPtrArray) members = tc_app_test_replica_members (device->replica, NULL);

  for (guint i = 0; i < members->len; i++)
    {
      TcAssociate *member = g_ptr_array_index (members, i);

      if (g_str_equal (member->id, wanted->id))
        return member->online == wanted->online;
    }
  return FALSE;
}

static gboolean
read_by_recipient (Device        *device,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) history = tc_app_test_history (device->client, data);

  for (guint i = 0; i < history->len; i++)
    {
      TcMessage *message = g_ptr_array_index (history, i);

      if (g_str_equal (message->to, device->id) && !message->read)
        return FALSE;
    }
  return history->len > 0;
}

static void
test_live (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(TcApiClient) bob = tc_app_test_login (f->server, "B");
  g_autoptr(TcMessage) sent = NULL;
  Device *alice = device_new (f, "A");
  Device *bob_device;
  PresenceWanted bob_online = { "B", TRUE };
  PresenceWanted bob_offline = { "B", FALSE };

  tc_sync_engine_start (alice->engine);
  wait_state (alice, TC_SYNC_STATE_ONLINE);

  /* A message Bob sends arrives over the socket. */
  sent = tc_app_test_send (bob, "A", "live one");
  wait_message (alice, "B", "live one", TC_MESSAGE_STATE_SENT);
  g_assert_cmpuint (tc_app_test_replica_unread (alice->replica), ==, 1);

  /* Presence: Bob's app comes online, then goes away. */
  bob_device = device_new (f, "B");
  tc_sync_engine_start (bob_device->engine);
  wait_device (alice, has_presence, &bob_online, "Bob online in Alice's replica");
  tc_sync_engine_stop (bob_device->engine);
  wait_device (alice, has_presence, &bob_offline, "Bob offline in Alice's replica");

  /* Who is online already comes with the hello: Bob is back, then Alice's
   * second device connects and knows at once. */
  tc_sync_engine_start (bob_device->engine);
  wait_device (alice, has_presence, &bob_online, "Bob online again in Alice's replica");
  {
    Device *alice_laptop = device_new (f, "A");

    tc_sync_engine_start (alice_laptop->engine);
    wait_state (alice_laptop, TC_SYNC_STATE_ONLINE);
    wait_device (alice_laptop, has_presence, &bob_online, "Bob online on Alice's new device");

    /* Offline, presence is unknown: no member stays shown online. */
    tc_sync_engine_stop (alice_laptop->engine);
    wait_device (alice_laptop, has_presence, &bob_offline, "Bob not shown online once offline");
  }
  tc_sync_engine_stop (bob_device->engine);
  wait_device (alice, has_presence, &bob_offline, "Bob offline in Alice's replica again");

  /* Alice opens the conversation: read here at once, then on the server
   * (Bob's read receipts). */
  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;

    tc_replica_mark_read_async (alice->replica, "B", 0, NULL, tc_app_test_async_cb, &async);
    result = tc_app_test_async_wait (&async, "mark read");
    g_assert_true (tc_replica_mark_read_finish (alice->replica, result, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpuint (tc_app_test_replica_unread (alice->replica), ==, 0);
  wait_device (alice, read_by_recipient, "B", "Alice's read marker on the server");
  {
    g_autoptr(GPtrArray) reads = NULL;

    assert_converged (alice);
    reads = tc_app_test_replica_reads (alice->replica);
    g_assert_cmpuint (reads->len, ==, 0);
  }
}

static void
test_send (Fixture       *f,
           gconstpointer  data)
{
  static const char * const both[] = { "B", "C", NULL };
  Device *alice = device_new (f, "A");
  Device *bob = device_new (f, "B");
  g_auto(GStrv) ids = NULL;

  tc_sync_engine_start (alice->engine);
  tc_sync_engine_start (bob->engine);
  wait_state (alice, TC_SYNC_STATE_ONLINE);
  wait_state (bob, TC_SYNC_STATE_ONLINE);

  /* One message to two people: two individual messages. */
  ids = tc_app_test_replica_enqueue (alice->replica, both, "hello you two");
  wait_message (alice, "B", "hello you two", TC_MESSAGE_STATE_SENT);
  wait_message (alice, "C", "hello you two", TC_MESSAGE_STATE_SENT);
  wait_message (bob, "A", "hello you two", TC_MESSAGE_STATE_SENT);
  g_assert_cmpuint (count_on_server (alice->client, "B", "hello you two"), ==, 1);
  g_assert_cmpuint (count_on_server (alice->client, "C", "hello you two"), ==, 1);

  /* Bob answers from his app. */
  enqueue (bob, "A", "hello Alice");
  wait_message (alice, "B", "hello Alice", TC_MESSAGE_STATE_SENT);
  assert_converged (alice);
  assert_converged (bob);
}

static void
test_offline_outbox (Fixture       *f,
                     gconstpointer  data)
{
  static const char * const bodies[] = { "written offline 1", "written offline 2",
                                         "written offline 3" };
  Device *alice = device_new (f, "A");
  g_autoptr(GPtrArray) history = NULL;
  gint64 last_id = 0;

  tc_sync_engine_start (alice->engine);
  wait_state (alice, TC_SYNC_STATE_ONLINE);

  tc_app_server_stop (f->server);
  wait_state (alice, TC_SYNC_STATE_OFFLINE);
  g_assert_nonnull (tc_sync_engine_get_error (alice->engine));
  g_test_message ("offline: %s", tc_sync_engine_get_error (alice->engine)->message);

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    enqueue (alice, "B", bodies[i]);
  enqueue (alice, "C", "written offline to Carol");
  /* Shown at once, pending. */
  wait_message (alice, "B", bodies[2], TC_MESSAGE_STATE_PENDING);

  /* The server comes back; the engine finds it by itself. */
  tc_app_server_start (f->server);
  wait_state (alice, TC_SYNC_STATE_ONLINE);
  wait_device (alice, nothing_pending, NULL, "outbox sent");
  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    wait_message (alice, "B", bodies[i], TC_MESSAGE_STATE_SENT);
  g_assert_null (tc_sync_engine_get_error (alice->engine));

  /* Exactly once each, in the order written. */
  history = tc_app_test_history (alice->client, "B");
  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_assert_cmpuint (count_on_server (alice->client, "B", bodies[i]), ==, 1);
      for (guint j = 0; j < history->len; j++)
        {
          TcMessage *message = g_ptr_array_index (history, j);

          if (g_str_equal (message->body, bodies[i]))
            {
              g_assert_cmpint (message->id, >, last_id);
              last_id = message->id;
            }
        }
    }
  g_assert_cmpuint (count_on_server (alice->client, "C", "written offline to Carol"), ==, 1);
  assert_converged (alice);
}

static void
test_restart (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(TcApiClient) bob = tc_app_test_login (f->server, "B");
  Device *alice = device_new (f, "A");
  Device *slow;
  guint online_before;

  send_many (bob, "A", "before", 30);
  tc_sync_engine_start (alice->engine);
  wait_state (alice, TC_SYNC_STATE_ONLINE);
  online_before = alice->n_online;

  /* A restart: the engine comes back by itself and follows live events. */
  tc_app_server_stop (f->server);
  tc_app_server_start (f->server);
  wait_state (alice, TC_SYNC_STATE_ONLINE);
  g_assert_cmpuint (alice->n_online, >, online_before);
  {
    g_autoptr(TcApiClient) bob_again = tc_app_test_login (f->server, "B");
    g_autoptr(TcMessage) sent = tc_app_test_send (bob_again, "A", "after the restart");
  }
  wait_message (alice, "B", "after the restart", TC_MESSAGE_STATE_SENT);

  /* Stopped in the middle of a first sync (page by page): it resumes from
   * its cursor and ends equal to the server. Whether the stop lands
   * mid-sync or later does not change what must hold. */
  slow = device_new_full (f, "A", NULL, NULL, 1);
  tc_sync_engine_start (slow->engine);
  wait_state (slow, TC_SYNC_STATE_SYNCING);
  tc_app_server_stop (f->server);
  wait_state (slow, TC_SYNC_STATE_OFFLINE);
  tc_app_server_start (f->server);
  wait_state (slow, TC_SYNC_STATE_ONLINE);
  assert_converged (slow);
  assert_converged (alice);
}

typedef struct {
  const char *peer;
  const char *body;
} FailedWanted;

static gboolean
has_failed (Device        *device,
            gconstpointer  data)
{
  const FailedWanted *wanted = data;
  g_autoptr(GPtrArray) rows = tc_app_test_replica_messages (device->replica, wanted->peer, 0, 10);
  TcReplicaMessage *row = find_body (rows, wanted->body);

  return row != NULL && row->state == TC_MESSAGE_STATE_FAILED;
}

static void
test_failed_send (Fixture       *f,
                  gconstpointer  data)
{
  Device *alice = device_new (f, "A");
  FailedWanted to_grace = { "G", "to Grace" };
  FailedWanted to_nobody = { "Z", "to nobody" };
  g_autoptr(GPtrArray) rows = NULL;
  TcReplicaMessage *row;

  tc_sync_engine_start (alice->engine);
  wait_state (alice, TC_SYNC_STATE_ONLINE);

  enqueue (alice, "G", "to Grace");       /* off the team: 403 */
  enqueue (alice, "Z", "to nobody");      /* no such associate: 400 */
  enqueue (alice, "B", "to Bob after");   /* the queue goes on */
  wait_device (alice, has_failed, &to_grace, "message to Grace failed");
  wait_device (alice, has_failed, &to_nobody, "message to nobody failed");
  wait_message (alice, "B", "to Bob after", TC_MESSAGE_STATE_SENT);

  rows = tc_app_test_replica_messages (alice->replica, "G", 0, 10);
  row = find_body (rows, "to Grace");
  g_test_message ("failed: %s", row->error);
  g_assert_nonnull (row->error);
  g_assert_cmpstr (row->error, !=, "");
  g_assert_cmpint (row->message->id, ==, 0);
  g_assert_null (tc_sync_engine_get_error (alice->engine));
  g_assert_cmpuint (count_on_server (alice->client, "B", "to Bob after"), ==, 1);
}

static void
test_ack_lost (Fixture       *f,
               gconstpointer  data)
{
  Device *alice = device_new (f, "A");
  g_autoptr(TcSendRequest) request = NULL;

  enqueue (alice, "B", "maybe sent");
  request = tc_app_test_replica_next_outbox (alice->replica);

  /* An earlier attempt reached the server, but its answer was lost. */
  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) messages = NULL;
    g_autoptr(GError) error = NULL;

    tc_api_client_send_async (alice->client, request, NULL, tc_app_test_async_cb, &async);
    result = tc_app_test_async_wait (&async, "first attempt");
    messages = tc_api_client_send_finish (alice->client, result, &error);
    g_assert_no_error (error);
  }

  tc_sync_engine_start (alice->engine);
  wait_state (alice, TC_SYNC_STATE_ONLINE);
  wait_device (alice, nothing_pending, NULL, "outbox sent");
  wait_message (alice, "B", "maybe sent", TC_MESSAGE_STATE_SENT);
  g_assert_cmpuint (count_on_server (alice->client, "B", "maybe sent"), ==, 1);
  assert_converged (alice);
}

static void
test_outbox_survives_quit (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "quit.db", NULL);
  Device *before = device_new_full (f, "A", path, NULL, PAGE_SIZE);
  Device *after;

  /* Written with the server away, then the app quits. */
  tc_app_server_stop (f->server);
  enqueue (before, "B", "written before quitting");
  g_ptr_array_remove (f->devices, before);

  tc_app_server_start (f->server);
  after = device_new_full (f, "A", path, NULL, PAGE_SIZE);
  tc_sync_engine_start (after->engine);
  wait_message (after, "B", "written before quitting", TC_MESSAGE_STATE_SENT);
  g_assert_cmpuint (count_on_server (after->client, "B", "written before quitting"), ==, 1);
  assert_converged (after);
}

static gboolean
no_unread (Device        *device,
           gconstpointer  data)
{
  return tc_app_test_replica_unread (device->replica) == 0;
}

static void
test_two_devices (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(TcApiClient) bob = tc_app_test_login (f->server, "B");
  Device *laptop = device_new (f, "A");
  Device *desktop = device_new (f, "A");

  tc_sync_engine_start (laptop->engine);
  tc_sync_engine_start (desktop->engine);
  wait_state (laptop, TC_SYNC_STATE_ONLINE);
  wait_state (desktop, TC_SYNC_STATE_ONLINE);

  /* Written on one, seen on the other as Alice's own. */
  enqueue (laptop, "B", "from the laptop");
  wait_message (desktop, "B", "from the laptop", TC_MESSAGE_STATE_SENT);

  /* Read on one, read on the other. */
  send_many (bob, "A", "to both devices", 3);
  wait_message (laptop, "B", "to both devices 2", TC_MESSAGE_STATE_SENT);
  wait_message (desktop, "B", "to both devices 2", TC_MESSAGE_STATE_SENT);
  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;

    tc_replica_mark_read_async (desktop->replica, "B", 0, NULL, tc_app_test_async_cb, &async);
    result = tc_app_test_async_wait (&async, "mark read");
    g_assert_true (tc_replica_mark_read_finish (desktop->replica, result, &error));
  }
  wait_device (laptop, no_unread, NULL, "the laptop sees the desktop's read marker");

  assert_converged (laptop);
  assert_converged (desktop);
}

static void
test_reset (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(TcApiClient) bob = tc_app_test_login (f->server, "B");
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
  Device *alice = device_new (f, "A");

  send_many (bob, "A", "kept", 4);

  /* A replica with a cursor the server never gave (a backup restored on
   * the server), a message the server does not have, and one unsent. */
  g_ptr_array_add (events, tc_app_test_message_event (99999998, 99999998, "B", "A", "stale"));
  tc_app_test_replica_apply (alice->replica, events, "99999999");
  enqueue (alice, "B", "unsent before the reset");

  tc_sync_engine_start (alice->engine);
  wait_state (alice, TC_SYNC_STATE_ONLINE);
  wait_device (alice, nothing_pending, NULL, "outbox sent");

  /* Dropped and synced again: exactly the server's state, the unsent
   * message included, once. */
  g_assert_true (alice->saw_first_sync);
  assert_converged (alice);
  g_assert_cmpuint (count_on_server (alice->client, "B", "unsent before the reset"), ==, 1);
  g_assert_true (members_match (alice, NULL));
}

static void
test_unauthorized (Fixture       *f,
                   gconstpointer  data)
{
  Device *alice = device_new (f, "A");
  g_autoptr(TcApiClient) same = tc_api_client_new (tc_app_server_get_url (f->server));
  const GError *error;

  tc_sync_engine_start (alice->engine);
  wait_state (alice, TC_SYNC_STATE_ONLINE);

  /* Logged out elsewhere: the engine stops and says why. */
  tc_api_client_set_token (same, tc_api_client_get_token (alice->client));
  {
    TcAppTestAsync async = { 0 };
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) logout_error = NULL;

    tc_api_client_logout_async (same, NULL, tc_app_test_async_cb, &async);
    result = tc_app_test_async_wait (&async, "logout");
    g_assert_true (tc_api_client_logout_finish (same, result, &logout_error));
  }
  wait_state (alice, TC_SYNC_STATE_OFFLINE);
  error = tc_sync_engine_get_error (alice->engine);
  g_assert_error (error, TC_ERROR, TC_ERROR_UNAUTHORIZED);

  /* And does not hammer the server: starting again fails the same way. */
  tc_sync_engine_start (alice->engine);
  wait_state (alice, TC_SYNC_STATE_OFFLINE);
  g_assert_error (tc_sync_engine_get_error (alice->engine), TC_ERROR, TC_ERROR_UNAUTHORIZED);
}

/* Ended elsewhere (an administrator's revoke-sessions): the server's
 * session check closes the WebSocket saying so, and the engine stops at
 * once with UNAUTHORIZED, as for a logout; it does not take it for a lost
 * connection and wait to connect again. */
static void
test_session_ended_elsewhere (Fixture       *f,
                              gconstpointer  data)
{
  Device *alice;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  tc_app_server_free (f->server);
  f->server = tc_app_server_new_with_config ("[server]\nsession_check_seconds=1\n");
  alice = device_new (f, "A");
  /* A lost connection would wait ten minutes before the next try. */
  tc_sync_engine_set_backoff (alice->engine, 600000, 600000);
  tc_sync_engine_start (alice->engine);
  wait_state (alice, TC_SYNC_STATE_ONLINE);

  g_assert_cmpint (tc_test_run_command (&out, &err, "revoke-sessions", "--db",
                                        tc_app_server_get_db_path (f->server), "A", NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==, "revoked 1 session\n");
  wait_state (alice, TC_SYNC_STATE_OFFLINE);
  g_assert_error (tc_sync_engine_get_error (alice->engine), TC_ERROR, TC_ERROR_UNAUTHORIZED);
}

static void
test_network_changed (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GNetworkMonitor) monitor = g_object_new (TEST_TYPE_MONITOR, NULL);
  Device *alice = device_new_full (f, "A", NULL, monitor, PAGE_SIZE);

  /* Long waits between attempts: only the network news brings it back
   * soon (a short random delay would too, which is no failure). */
  tc_sync_engine_set_backoff (alice->engine, 600000, 600000);
  tc_sync_engine_start (alice->engine);
  wait_state (alice, TC_SYNC_STATE_ONLINE);

  tc_app_server_stop (f->server);
  wait_state (alice, TC_SYNC_STATE_OFFLINE);
  tc_app_server_start (f->server);
  g_signal_emit_by_name (monitor, "network-changed", TRUE);
  wait_state (alice, TC_SYNC_STATE_ONLINE);

  /* While online, network news only checks the link. */
  g_signal_emit_by_name (monitor, "network-changed", TRUE);
  enqueue (alice, "B", "after the network changed");
  wait_message (alice, "B", "after the network changed", TC_MESSAGE_STATE_SENT);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/sync-engine/initial-sync", test_initial_sync);
  ADD ("/sync-engine/live", test_live);
  ADD ("/sync-engine/send", test_send);
  ADD ("/sync-engine/offline-outbox", test_offline_outbox);
  ADD ("/sync-engine/restart", test_restart);
  ADD ("/sync-engine/failed-send", test_failed_send);
  ADD ("/sync-engine/ack-lost", test_ack_lost);
  ADD ("/sync-engine/outbox-survives-quit", test_outbox_survives_quit);
  ADD ("/sync-engine/two-devices", test_two_devices);
  ADD ("/sync-engine/reset", test_reset);
  ADD ("/sync-engine/unauthorized", test_unauthorized);
  ADD ("/sync-engine/session-ended-elsewhere", test_session_ended_elsewhere);
  ADD ("/sync-engine/network-changed", test_network_changed);
#undef ADD

  return g_test_run ();
}
