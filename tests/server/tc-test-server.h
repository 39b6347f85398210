/* tc-test-server.h: runs the real teamchat-server for integration tests
 *
 * Every fresh server gets its own temporary directory and database,
 * filled from tests/server/data/team.csv with
 * `teamchat-server import-associates`, and is then started with
 * `teamchat-server serve --port 0`.
 *
 * The team of tests/server/data/team.csv (login "alice" … "grace", password
 * "password-A" … "password-G"):
 *
 *   sponsor tree:  A ─┬─ B ── D          enroller tree:  A ─┬─ B
 *                     ├─ C ── E                             └─ C ─┬─ D
 *                     └─ F                                         └─ E ── F
 *                  G (alone)                              G (alone)
 *
 * Two associates are on each other's team iff one is an ancestor of the
 * other in either tree, so:
 *
 *   A: B C D E F      (the top of both trees)
 *   B: A D            (D is B's sponsee; C is B's sibling, not team)
 *   C: A D E F        (D and F only through the enroller tree: C enrolled D,
 *                      and C enrolled E who enrolled F)
 *   D: A B C
 *   E: A C F
 *   F: A C E
 *   G: nobody
 *
 * Not team: B–C, B–E, B–F, D–E, D–F, and G with everyone.
 * D prefers text messages (offline_channel sms); everyone has a phone.
 *
 * The database: with TEAMCHAT_TEST_DB=postgresql, every fresh server gets
 * a fresh PostgreSQL database instead of an SQLite file, on the cluster
 * whose socket directory (or host) is TEAMCHAT_TEST_PG_HOST (port
 * TEAMCHAT_TEST_PG_PORT, 5432; user postgres), which scripts/test.sh
 * starts for the whole run; without it, each test program starts a
 * cluster of its own with tests/server/pg-cluster.sh.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define TC_TEST_TEAM_SIZE 7

typedef struct _TcTestServer TcTestServer;

TcTestServer *tc_test_server_start        (const char    *db_path,
                                           const char    *config_text,
                                           GError       **error);
TcTestServer *tc_test_server_start_logged (const char    *db_path,
                                           const char    *config_text,
                                           const char    *log_path,
                                           GError       **error);
TcTestServer *tc_test_server_new_or_fail  (const char    *config_text);
/* A second server process on @first's database (and media directory),
 * with its own port and @config_text. */
TcTestServer *tc_test_server_start_peer   (TcTestServer  *first,
                                           const char    *config_text,
                                           GError       **error);
gboolean      tc_test_server_stop         (TcTestServer  *self);
void          tc_test_server_kill         (TcTestServer  *self);
gboolean      tc_test_server_restart      (TcTestServer  *self,
                                           GError       **error);
void          tc_test_server_free         (TcTestServer  *self);

const char   *tc_test_server_get_base_url (TcTestServer  *self);
const char   *tc_test_server_get_db_path  (TcTestServer  *self);
const char   *tc_test_server_get_tmpdir   (TcTestServer  *self);
const char   *tc_test_server_get_config_path (TcTestServer *self);
/* The server's process id (0 while stopped). */
GPid          tc_test_server_get_pid      (TcTestServer  *self);
/* VmRSS of the running server, in KiB (Linux). */
guint64       tc_test_server_get_rss_kib  (TcTestServer  *self);
/* Every server is started with --media-dir TMPDIR/media. */
const char   *tc_test_server_get_media_dir (TcTestServer *self);
char         *tc_test_server_import_media (TcTestServer  *self,
                                           const char    *source_dir);
/* Runs `teamchat-server FIRST…` (NULL-terminated) to its end; returns the
 * exit status, and stdout and stderr when asked. */
int           tc_test_run_command         (char         **out,
                                           char         **err,
                                           const char    *first,
                                           ...) G_GNUC_NULL_TERMINATED;
char         *tc_test_server_ws_url       (TcTestServer  *self);
SoupSession  *tc_test_server_get_session  (TcTestServer  *self);

typedef struct {
  guint               status;
  GBytes             *body;      /* never NULL */
  JsonNode           *json;      /* NULL when the body is empty or not JSON */
  SoupMessageHeaders *headers;   /* response headers */
} TcTestResponse;

void            tc_test_response_free (TcTestResponse *response);

/* @authorization is the whole Authorization header value, or NULL. */
TcTestResponse *tc_test_send          (TcTestServer *self,
                                       const char   *method,
                                       const char   *path,
                                       const char   *authorization,
                                       const char   *content_type,
                                       const void   *data,
                                       gssize        len);

/* Bearer @token (NULL: no Authorization header); @body is JSON text. */
JsonNode       *tc_test_request       (TcTestServer *self,
                                       const char   *method,
                                       const char   *path,
                                       const char   *token,
                                       const char   *body,
                                       guint        *out_status);
JsonNode       *tc_test_request_raw   (TcTestServer *self,
                                       const char   *method,
                                       const char   *path,
                                       const char   *token,
                                       const void   *data,
                                       gsize         len,
                                       guint        *out_status);

char           *tc_test_login         (TcTestServer *self,
                                       const char   *login,
                                       const char   *password);
/* Logs in as the associate with team.csv id @id ("A" … "G"). */
char           *tc_test_login_as      (TcTestServer *self,
                                       const char   *id);

/* {"client_id","to","body"[,"attachments"]} as JSON text; @to and
 * @attachments are NULL-terminated. */
char           *tc_test_message_json  (const char         *client_id,
                                       const char * const *to,
                                       const char         *body,
                                       const char * const *attachments);
/* POST /api/v1/messages; returns the answer (status in @out_status). */
JsonNode       *tc_test_send_message  (TcTestServer       *self,
                                       const char         *token,
                                       const char         *client_id,
                                       const char * const *to,
                                       const char         *body,
                                       guint              *out_status);

/* All messages between the caller and @peer, newest first (follows "more"). */
JsonArray      *tc_test_history       (TcTestServer *self,
                                       const char   *token,
                                       const char   *peer);

/* Asserts an error body {"error": @code, "message": string}. */
void            tc_test_assert_error  (JsonNode     *node,
                                       const char   *code);

JsonObject     *tc_test_object        (JsonNode     *node);
/* Members that must be there with the right type (the test fails if not). */
const char     *tc_test_get_string    (JsonObject   *object,
                                       const char   *member);
gint64          tc_test_get_int       (JsonObject   *object,
                                       const char   *member);
gboolean        tc_test_get_bool      (JsonObject   *object,
                                       const char   *member);
JsonArray      *tc_test_get_array     (JsonObject   *object,
                                       const char   *member);
JsonObject     *tc_test_get_object    (JsonObject   *object,
                                       const char   *member);
gboolean        tc_test_is_null_member (JsonObject  *object,
                                        const char  *member);
/* Asserts @array holds exactly the strings of @expected (in any order);
 * @member names the string member of each element (NULL: elements are
 * strings themselves). */
void            tc_test_assert_id_set (JsonArray          *array,
                                       const char         *member,
                                       const char * const *expected);
char           *tc_test_uuid          (void);

/* --- the database of a test ------------------------------------------------ */

/* Whether the tests run on PostgreSQL (TEAMCHAT_TEST_DB=postgresql). */
gboolean        tc_test_db_is_postgresql (void);
/* A new, empty database: a file name in @dir (SQLite, not created yet) or
 * the URI of a new PostgreSQL database. */
char           *tc_test_db_new        (const char   *dir,
                                       GError      **error);
/* Drops a PostgreSQL database made by tc_test_db_new(). */
void            tc_test_db_drop       (const char   *db);
/* The first column of the first row of @sql as text (NULL: no row, or
 * SQL NULL); the test fails on an SQL error. */
char           *tc_test_db_query      (const char   *db,
                                       const char   *sql);
/* Runs @sql (one or more statements); the test fails on an SQL error. */
void            tc_test_db_exec       (const char   *db,
                                       const char   *sql);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcTestServer, tc_test_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcTestResponse, tc_test_response_free)

G_END_DECLS
