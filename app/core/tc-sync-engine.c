/* tc-sync-engine.c: keeps a replica in step with the server
 *
 * One connection attempt is a Session: catch up over HTTP, open the
 * WebSocket, read its hello, catch up again to the hello cursor while
 * holding live events back, then apply live events as they come. Any
 * failure ends the session (its cancellable and a "dead" flag make late
 * callbacks harmless) and schedules the next attempt.
 *
 * Cursors are opaque to the protocol, but the engine has to order live
 * events against them: today a cursor is the decimal seq of the last
 * event covered, and a live event's seq is such a cursor. A cursor that
 * does not parse as a number is treated as older than anything, which
 * costs a catch-up, never an event.
 */
#define G_LOG_DOMAIN "TeamChatSync"

#include "config.h"

#include "tc-backoff.h"
#include "tc-error.h"
#include "tc-event.h"
#include "tc-json.h"
#include "tc-sync-engine.h"
#include "tc-time.h"

#define DEFAULT_BACKOFF_BASE_MS  1000
#define DEFAULT_BACKOFF_CAP_MS   60000
#define DEFAULT_PAGE_SIZE        500
#define DEFAULT_RETENTION_DAYS   90
#define KEEPALIVE_SECONDS        30
/* A frame the server does not answer within this long means a dead link. */
#define REPLY_TIMEOUT_SECONDS    60
#define PING_TIMEOUT_SECONDS     15
/* While live, a ping frame this often proves the link (a connection that
 * died without a reset, behind a NAT or a stuck proxy, says nothing). */
#define DEFAULT_LIVENESS_SECONDS 45
/* Events are far smaller (a message is at most 64 KiB on the way in). */
#define MAX_FRAME_BYTES          (1024 * 1024)
/* More resets in a row than this is a server bug, not a stale cursor. */
#define MAX_RESETS               2

typedef enum {
  PHASE_CATCH_UP,         /* paging /sync before the WebSocket */
  PHASE_CONNECT,          /* opening the WebSocket, waiting for hello */
  PHASE_HELLO_CATCH_UP,   /* paging /sync up to the hello cursor */
  PHASE_LIVE,
} Phase;

typedef struct {
  TcSyncEngine            *engine;        /* unowned; NULL once dead (the engine may be gone) */
  GCancellable            *cancellable;
  gboolean                 dead;
  Phase                    phase;

  char                    *cursor;        /* as stored in the replica, NULL before any sync */
  gint64                   cursor_seq;    /* its number, -1 when none */
  TcSyncPage              *page;          /* being applied */
  TcSyncPage              *next_page;     /* fetched while @page is applied */
  gboolean                 fetching;      /* a page is on its way */
  guint                    resets;

  SoupWebsocketConnection *ws;
  GError                  *ws_error;      /* why the socket failed, if it said */
  GPtrArray               *held;          /* TcEvent that came before we caught up */

  /* Outbox: one message in flight at a time keeps them in order. */
  char                    *sending;       /* client id of the message in flight */
  gboolean                 outbox_busy;   /* looking up or recording */
  gboolean                 outbox_again;  /* the outbox changed meanwhile */
  guint                    outbox_retry_source;
  TcBackoff                outbox_backoff;
  guint                    reply_timeout_source;

  GHashTable              *reads_in_flight;  /* ref → TcReadMarker */
  gboolean                 reads_busy;
  gboolean                 reads_again;
  guint                    reads_retry_source;

  guint                    ping_timeout_source;
  guint                    liveness_source;
  guint                    hello_timeout_source;
  GStrv                    hello_online;  /* the hello's presence snapshot, if it had one */
} Session;

struct _TcSyncEngine
{
  GObject          parent_instance;

  TcApiClient     *client;
  TcReplica       *replica;
  GNetworkMonitor *monitor;

  TcSyncState      state;
  GError          *error;
  gboolean         first_sync;
  guint            synced_events;
  double           progress;

  guint            page_size;
  guint            retention_days;
  guint            liveness_interval;   /* seconds; 0 = no liveness pings */
  TcBackoff        backoff;

  gboolean         running;
  guint            retry_source;
  Session         *session;
};

G_DEFINE_FINAL_TYPE (TcSyncEngine, tc_sync_engine, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (TcSyncState, tc_sync_state,
                    G_DEFINE_ENUM_VALUE (TC_SYNC_STATE_OFFLINE, "offline"),
                    G_DEFINE_ENUM_VALUE (TC_SYNC_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (TC_SYNC_STATE_SYNCING, "syncing"),
                    G_DEFINE_ENUM_VALUE (TC_SYNC_STATE_ONLINE, "online"))

enum {
  PROP_0,
  PROP_API_CLIENT,
  PROP_REPLICA,
  PROP_NETWORK_MONITOR,
  PROP_STATE,
  PROP_ERROR,
  PROP_FIRST_SYNC,
  PROP_SYNCED_EVENTS,
  PROP_PROGRESS,
  PROP_BACKOFF_BASE,
  PROP_BACKOFF_CAP,
  PROP_PAGE_SIZE,
  PROP_RETENTION_DAYS,
  PROP_LIVENESS_INTERVAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* How long the hello and each ack may take: REPLY_TIMEOUT_SECONDS, or less
 * when liveness pings are more frequent than that. */
static guint
reply_timeout (TcSyncEngine *self)
{
  if (self->liveness_interval == 0)
    return REPLY_TIMEOUT_SECONDS;
  return CLAMP (self->liveness_interval * 3, 2, REPLY_TIMEOUT_SECONDS);
}

static void connect_now    (TcSyncEngine *self);
static void fetch_page     (Session      *session,
                            const char   *since);
static void apply_next_page (Session     *session);
static void flush_outbox   (Session      *session);
static void flush_reads    (Session      *session);
static gboolean on_liveness_cb (gpointer   user_data);

/* --- properties that others watch ---------------------------------------------- */

static void
set_state (TcSyncEngine *self,
           TcSyncState   state)
{
  static const char * const names[] = { "offline", "connecting", "syncing", "online" };

  if (self->state == state)
    return;
  g_debug ("State: %s", names[state]);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Takes @error (may be NULL: no error any more). */
static void
set_error (TcSyncEngine *self,
           GError       *error)
{
  if (error == NULL && self->error == NULL)
    return;
  g_clear_error (&self->error);
  self->error = error;
  if (error != NULL)
    g_debug ("Error: %s", error->message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
set_progress (TcSyncEngine *self,
              double        progress)
{
  if (self->progress == progress)
    return;
  self->progress = progress;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

static void
set_first_sync (TcSyncEngine *self,
                gboolean      first_sync)
{
  if (self->first_sync == first_sync)
    return;
  self->first_sync = first_sync;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIRST_SYNC]);
}

static void
set_synced_events (TcSyncEngine *self,
                   guint         synced_events)
{
  if (self->synced_events == synced_events)
    return;
  self->synced_events = synced_events;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNCED_EVENTS]);
}

/* --- cursors ------------------------------------------------------------------------ */

static gint64
cursor_to_seq (const char *cursor)
{
  gint64 seq;

  if (cursor == NULL || !g_ascii_string_to_signed (cursor, 10, 0, G_MAXINT64, &seq, NULL))
    return -1;
  return seq;
}

static void
session_set_cursor (Session    *session,
                    const char *cursor)
{
  if (cursor == session->cursor)
    return;
  g_free (session->cursor);
  session->cursor = g_strdup (cursor);
  session->cursor_seq = cursor_to_seq (cursor);
}

/* --- sessions ----------------------------------------------------------------------- */

static void
session_clear (Session *session)
{
  g_assert (session->dead);
  g_clear_object (&session->cancellable);
  g_free (session->cursor);
  g_clear_pointer (&session->page, tc_sync_page_free);
  g_clear_pointer (&session->next_page, tc_sync_page_free);
  g_clear_object (&session->ws);
  g_clear_error (&session->ws_error);
  g_clear_pointer (&session->held, g_ptr_array_unref);
  g_free (session->sending);
  g_clear_pointer (&session->reads_in_flight, g_hash_table_unref);
  g_clear_pointer (&session->hello_online, g_strfreev);
}

static Session *
session_ref (Session *session)
{
  return g_rc_box_acquire (session);
}

static void
session_unref (Session *session)
{
  g_rc_box_release_full (session, (GDestroyNotify) session_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Session, session_unref)

static Session *
session_new (TcSyncEngine *self)
{
  Session *session = g_rc_box_new0 (Session);

  session->engine = self;
  session->cancellable = g_cancellable_new ();
  session->cursor_seq = -1;
  session->held = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
  session->reads_in_flight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                    (GDestroyNotify) tc_read_marker_free);
  tc_backoff_init (&session->outbox_backoff, self->backoff.base_ms, self->backoff.cap_ms);
  return session;
}

static void
on_ws_message_cb (SoupWebsocketConnection *ws,
                  int                      type,
                  GBytes                  *message,
                  gpointer                 user_data);
static void
on_ws_closed_cb (SoupWebsocketConnection *ws,
                 gpointer                 user_data);
static void
on_ws_error_cb (SoupWebsocketConnection *ws,
                GError                  *error,
                gpointer                 user_data);

static gboolean
release_later_cb (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

/* Ends the current session for good; the engine goes offline. */
static void
end_session (TcSyncEngine *self)
{
  Session *session = g_steal_pointer (&self->session);

  if (session == NULL)
    return;
  session->dead = TRUE;
  g_cancellable_cancel (session->cancellable);
  g_clear_handle_id (&session->outbox_retry_source, g_source_remove);
  g_clear_handle_id (&session->reads_retry_source, g_source_remove);
  g_clear_handle_id (&session->reply_timeout_source, g_source_remove);
  g_clear_handle_id (&session->ping_timeout_source, g_source_remove);
  g_clear_handle_id (&session->liveness_source, g_source_remove);
  g_clear_handle_id (&session->hello_timeout_source, g_source_remove);
  if (session->ws != NULL)
    {
      g_signal_handlers_disconnect_by_func (session->ws, on_ws_message_cb, session);
      g_signal_handlers_disconnect_by_func (session->ws, on_ws_closed_cb, session);
      g_signal_handlers_disconnect_by_func (session->ws, on_ws_error_cb, session);
      if (soup_websocket_connection_get_state (session->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (session->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      /* Not now: we may be inside one of its signal handlers. */
      g_idle_add_full (G_PRIORITY_DEFAULT, release_later_cb, g_steal_pointer (&session->ws),
                       g_object_unref);
    }
  session->engine = NULL;
  /* Offline, nobody can be known to be online: no stale green dots. */
  tc_replica_set_online_async (self->replica, NULL, NULL, NULL, NULL);
  set_state (self, TC_SYNC_STATE_OFFLINE);
  session_unref (session);
}

static gboolean
on_retry_cb (gpointer user_data)
{
  TcSyncEngine *self = user_data;

  self->retry_source = 0;
  if (self->running && self->session == NULL)
    connect_now (self);
  return G_SOURCE_REMOVE;
}

/* The session failed with @error (taken): go offline and try again later,
 * unless the server said the session token is no good. */
static void
fail_session (Session *session,
              GError  *error)
{
  TcSyncEngine *self = session->engine;
  guint delay;

  if (session->dead)
    {
      g_clear_error (&error);
      return;
    }
  g_assert (self->session == session);

  g_object_freeze_notify (G_OBJECT (self));
  end_session (self);
  if (g_error_matches (error, TC_ERROR, TC_ERROR_UNAUTHORIZED))
    {
      /* Retrying cannot help; the user logs in again. */
      self->running = FALSE;
      set_error (self, error);
      g_object_thaw_notify (G_OBJECT (self));
      return;
    }
  set_error (self, error);

  if (self->running && self->retry_source == 0)
    {
      delay = tc_backoff_next_delay (&self->backoff, NULL);
      g_debug ("Next attempt in %u ms", delay);
      self->retry_source = g_timeout_add_full (G_PRIORITY_DEFAULT, delay, on_retry_cb, self,
                                               NULL);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/* TRUE when an async callback must not go on: the session ended. @error
 * is then freed. */
static gboolean
session_is_over (Session  *session,
                 GError  **error)
{
  if (!session->dead)
    return FALSE;
  if (error != NULL)
    g_clear_error (error);
  return TRUE;
}

/* --- catching up ------------------------------------------------------------------------- */

static void
on_purged_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  guint n = 0;

  if (!tc_replica_purge_finish (TC_REPLICA (source), result, &n, &error))
    g_warning ("Could not purge old messages: %s", error->message);
  else if (n > 0)
    g_debug ("Purged %u messages past the retention period", n);
}

static void go_live (Session *session);

static void
on_ws_connected_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  GError *error = NULL;
  SoupWebsocketConnection *ws;

  ws = tc_api_client_websocket_connect_finish (TC_API_CLIENT (source), result, &error);
  if (session_is_over (session, &error))
    {
      g_clear_object (&ws);
      return;
    }
  if (ws == NULL)
    {
      fail_session (session, error);
      return;
    }
  session->ws = ws;
  soup_websocket_connection_set_keepalive_interval (ws, KEEPALIVE_SECONDS);
  soup_websocket_connection_set_max_incoming_payload_size (ws, MAX_FRAME_BYTES);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message_cb), session);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed_cb), session);
  g_signal_connect (ws, "error", G_CALLBACK (on_ws_error_cb), session);
  g_debug ("WebSocket open; waiting for hello");
}

static gboolean
on_hello_timeout_cb (gpointer user_data)
{
  Session *session = user_data;

  session->hello_timeout_source = 0;
  fail_session (session, g_error_new (TC_ERROR, TC_ERROR_UNAVAILABLE,
                                      "cannot reach the server: the live connection did not open"));
  return G_SOURCE_REMOVE;
}

/* The stream is read up to its end as of the last page. */
static void
catch_up_done (Session *session)
{
  TcSyncEngine *self = session->engine;

  if (self->first_sync)
    set_progress (self, 1.0);
  set_first_sync (self, FALSE);

  if (self->retention_days > 0)
    {
      gint64 cutoff = tc_time_now () - (gint64) self->retention_days * 24 * 3600 * G_USEC_PER_SEC;

      tc_replica_purge_async (self->replica, cutoff, NULL, on_purged_cb, NULL);
    }

  if (session->phase == PHASE_CATCH_UP)
    {
      session->phase = PHASE_CONNECT;
      /* The handshake and the hello must come; a server that accepts the
       * connection and then says nothing is as good as gone. */
      session->hello_timeout_source = g_timeout_add_seconds (reply_timeout (self),
                                                             on_hello_timeout_cb, session);
      tc_api_client_websocket_connect_async (self->client, session->cancellable,
                                             on_ws_connected_cb, session_ref (session));
    }
  else
    go_live (session);
}

static void
on_page_applied_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  g_autoptr(TcSyncPage) page = g_steal_pointer (&session->page);
  TcSyncEngine *self = session->engine;
  GError *error = NULL;

  if (!tc_replica_apply_events_finish (TC_REPLICA (source), result, &error))
    {
      if (!session_is_over (session, &error))
        fail_session (session, error);
      return;
    }
  /* Committed, even if the session ended meanwhile. */
  if (session_is_over (session, NULL))
    return;

  session_set_cursor (session, page->cursor);
  set_synced_events (self, self->synced_events + page->events->len);

  /* A first sync can show a real fraction once the server says where its
   * pages end; seqs are global, so this is how far, not how many. */
  if (self->first_sync && page->more && page->head != NULL)
    {
      gint64 head = cursor_to_seq (page->head);
      gint64 at = cursor_to_seq (page->cursor);

      if (head > 0 && at >= 0 && at <= head)
        set_progress (self, (double) at / (double) head);
    }

  if (page->more)
    apply_next_page (session);
  else
    catch_up_done (session);
}

static void
on_reset_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  GError *error = NULL;

  if (!tc_replica_reset_finish (TC_REPLICA (source), result, &error))
    {
      if (!session_is_over (session, &error))
        fail_session (session, error);
      return;
    }
  if (session_is_over (session, NULL))
    return;
  session_set_cursor (session, NULL);
  set_first_sync (session->engine, TRUE);
  set_progress (session->engine, -1.0);
  fetch_page (session, session->cursor);
}

static void
on_page_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  TcSyncEngine *self = session->engine;
  GError *error = NULL;
  TcSyncPage *page;

  page = tc_api_client_sync_finish (TC_API_CLIENT (source), result, &error);
  if (session_is_over (session, &error))
    {
      g_clear_pointer (&page, tc_sync_page_free);
      return;
    }
  session->fetching = FALSE;
  if (page == NULL)
    {
      fail_session (session, error);
      return;
    }
  if (self->state == TC_SYNC_STATE_CONNECTING)
    set_state (self, TC_SYNC_STATE_SYNCING);

  g_assert (session->next_page == NULL);
  session->next_page = page;
  apply_next_page (session);
}

/* Applies the page fetched last, unless one is being applied, and asks for
 * the one after it meanwhile: the server answers while the replica writes. */
static void
apply_next_page (Session *session)
{
  TcSyncEngine *self = session->engine;
  TcSyncPage *page;

  if (session->page != NULL || session->next_page == NULL)
    return;
  page = g_steal_pointer (&session->next_page);

  if (page->reset)
    {
      tc_sync_page_free (page);
      if (++session->resets > MAX_RESETS)
        {
          fail_session (session, g_error_new (TC_ERROR, TC_ERROR_INTERNAL,
                                              "the server keeps asking for a full sync"));
          return;
        }
      g_debug ("The cursor is past the retention window: starting over");
      tc_replica_reset_async (self->replica, NULL, on_reset_cb, session_ref (session));
      return;
    }

  g_debug ("Page of %u events up to %s%s", page->events->len, page->cursor,
           page->more ? ", more to come" : "");
  session->page = page;
  tc_replica_apply_events_async (self->replica, page->events, page->cursor, NULL,
                                 on_page_applied_cb, session_ref (session));
  if (page->more)
    fetch_page (session, page->cursor);
}

static void
fetch_page (Session    *session,
            const char *since)
{
  TcSyncEngine *self = session->engine;

  g_assert (!session->fetching);
  session->fetching = TRUE;
  tc_api_client_sync_async (self->client, since, self->page_size,
                            session->cancellable, on_page_cb, session_ref (session));
}

static void
on_cursor_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  TcSyncEngine *self = session->engine;
  GError *error = NULL;
  g_autofree char *cursor = NULL;

  cursor = tc_replica_get_cursor_finish (TC_REPLICA (source), result, &error);
  if (session_is_over (session, &error))
    return;
  if (error != NULL)
    {
      fail_session (session, error);
      return;
    }
  session_set_cursor (session, cursor);
  set_synced_events (self, 0);
  if (cursor == NULL)
    {
      /* How much there is to fetch is unknown until the last page. */
      set_first_sync (self, TRUE);
      set_progress (self, -1.0);
    }
  fetch_page (session, session->cursor);
}

static void
connect_now (TcSyncEngine *self)
{
  Session *session;

  g_assert (self->session == NULL);
  g_clear_handle_id (&self->retry_source, g_source_remove);

  session = session_new (self);
  self->session = session;
  set_state (self, TC_SYNC_STATE_CONNECTING);
  tc_replica_get_cursor_async (self->replica, session->cancellable, on_cursor_cb,
                               session_ref (session));
}

/* --- live events --------------------------------------------------------------------- */

static void
on_live_applied_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  GError *error = NULL;

  if (!tc_replica_apply_events_finish (TC_REPLICA (source), result, &error) &&
      !session_is_over (session, &error))
    fail_session (session, error);
}

static void
apply_live_event (Session *session,
                  TcEvent *event)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new ();
  g_autofree char *cursor = NULL;

  if (event->type != TC_EVENT_PRESENCE)
    {
      /* Also held events the catch-up already covered. */
      if (session->cursor_seq >= 0 && event->seq <= session->cursor_seq)
        return;
      cursor = g_strdup_printf ("%" G_GINT64_FORMAT, event->seq);
      session_set_cursor (session, cursor);
    }
  /* Presence is not in the stream: its seq only repeats the last one. */
  g_ptr_array_add (events, event);
  tc_replica_apply_events_async (session->engine->replica, events, cursor, NULL,
                                 on_live_applied_cb, session_ref (session));
}

static void
on_team_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(GPtrArray) events = NULL;

  members = tc_api_client_team_finish (TC_API_CLIENT (source), result, &error);
  if (session_is_over (session, NULL))
    return;
  if (members == NULL)
    {
      g_debug ("Could not refresh presence: %s", error->message);
      return;
    }
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
  for (guint i = 0; i < members->len; i++)
    {
      TcEvent *event = tc_event_new (TC_EVENT_MEMBER);

      event->member = tc_associate_copy (g_ptr_array_index (members, i));
      g_ptr_array_add (events, event);
    }
  tc_replica_apply_events_async (session->engine->replica, events, NULL, NULL,
                                 on_live_applied_cb, session_ref (session));
}

static void
on_me_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TcAssociate) me = NULL;

  me = tc_api_client_me_finish (TC_API_CLIENT (source), result, &error);
  if (session_is_over (session, NULL))
    return;
  if (me == NULL)
    {
      g_debug ("Could not refresh the profile: %s", error->message);
      return;
    }
  tc_replica_set_profile_async (session->engine->replica, me, NULL, NULL, NULL);
}

static void
go_live (Session *session)
{
  TcSyncEngine *self = session->engine;
  g_autoptr(GPtrArray) held = g_steal_pointer (&session->held);

  session->phase = PHASE_LIVE;
  session->held = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_event_free);
  for (guint i = 0; i < held->len; i++)
    apply_live_event (session, g_ptr_array_index (held, i));

  /* Presence is not in the stream: take the hello's snapshot, or ask a
   * server that sends none. */
  if (session->hello_online != NULL)
    tc_replica_set_online_async (self->replica, (const char * const *) session->hello_online,
                                 NULL, NULL, NULL);
  else
    tc_api_client_team_async (self->client, NULL, session->cancellable, on_team_cb,
                              session_ref (session));

  /* The local associate's own record is not in the stream either (their
   * sponsor, enroller and site may change between sessions). */
  tc_api_client_me_async (self->client, session->cancellable, on_me_cb, session_ref (session));

  tc_backoff_reset (&self->backoff);
  g_object_freeze_notify (G_OBJECT (self));
  set_error (self, NULL);
  set_state (self, TC_SYNC_STATE_ONLINE);
  g_object_thaw_notify (G_OBJECT (self));
  g_debug ("Online at cursor %s", session->cursor);

  g_clear_handle_id (&session->liveness_source, g_source_remove);
  if (self->liveness_interval > 0)
    session->liveness_source = g_timeout_add_seconds (self->liveness_interval, on_liveness_cb,
                                                      session);
  flush_outbox (session);
  flush_reads (session);
}

static void
on_hello (Session    *session,
          JsonObject *frame)
{
  g_autofree char *cursor = NULL;
  g_autoptr(GError) error = NULL;
  gint64 hello_seq;

  if (session->phase != PHASE_CONNECT)
    return;
  g_clear_handle_id (&session->hello_timeout_source, g_source_remove);
  if (!tc_json_get_string (frame, "cursor", FALSE, &cursor, &error))
    g_debug ("Hello without a usable cursor: %s", error->message);
  g_clear_error (&error);
  {
    g_autoptr(GPtrArray) online = NULL;

    if (tc_json_get_string_array (frame, "online", FALSE, &online, &error) && online != NULL)
      {
        g_ptr_array_add (online, NULL);
        g_strfreev (session->hello_online);
        session->hello_online = g_strdupv ((GStrv) online->pdata);
      }
  }

  hello_seq = cursor_to_seq (cursor);
  if (cursor != NULL && hello_seq >= 0 && session->cursor_seq >= hello_seq)
    {
      go_live (session);
      return;
    }
  /* Events between our catch-up and the hello cursor come from sync; the
   * socket holds the ones after it until we are there. */
  session->phase = PHASE_HELLO_CATCH_UP;
  fetch_page (session, session->cursor);
}

/* --- outbox ----------------------------------------------------------------------------- */

static void
send_frame (Session    *session,
            JsonObject *frame)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  /* The server may have gone a moment ago, before "closed" reached us
   * (it comes from an idle): what is not sent stays in the outbox, and
   * "closed" ends the session. */
  if (soup_websocket_connection_get_state (session->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_debug ("Not sending: the connection is closing");
      return;
    }
  json_node_set_object (node, frame);
  text = tc_json_to_string (node);
  soup_websocket_connection_send_text (session->ws, text);
}

static gboolean
on_reply_timeout_cb (gpointer user_data)
{
  Session *session = user_data;

  session->reply_timeout_source = 0;
  fail_session (session, g_error_new (TC_ERROR, TC_ERROR_UNAVAILABLE,
                                      "cannot reach the server: it stopped answering"));
  return G_SOURCE_REMOVE;
}

static gboolean
on_outbox_retry_cb (gpointer user_data)
{
  Session *session = user_data;

  session->outbox_retry_source = 0;
  flush_outbox (session);
  return G_SOURCE_REMOVE;
}

static void
on_next_outbox_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  g_autoptr(TcSendRequest) request = NULL;
  g_autoptr(JsonNode) node = NULL;
  GError *error = NULL;
  JsonObject *frame;

  request = tc_replica_next_outbox_finish (TC_REPLICA (source), result, &error);
  if (session_is_over (session, &error))
    return;
  session->outbox_busy = FALSE;
  if (error != NULL)
    {
      fail_session (session, error);
      return;
    }
  if (request == NULL)
    {
      if (session->outbox_again)
        flush_outbox (session);
      return;
    }

  session->sending = g_strdup (request->client_id);
  node = tc_send_request_to_json (request);
  frame = json_node_get_object (node);
  json_object_set_string_member (frame, "type", "send");
  json_object_set_string_member (frame, "ref", request->client_id);
  g_debug ("Sending %s", request->client_id);
  send_frame (session, frame);
  session->reply_timeout_source = g_timeout_add_seconds (reply_timeout (session->engine),
                                                         on_reply_timeout_cb, session);
}

static void
flush_outbox (Session *session)
{
  if (session->phase != PHASE_LIVE)
    return;
  if (session->sending != NULL || session->outbox_busy || session->outbox_retry_source != 0)
    {
      session->outbox_again = TRUE;
      return;
    }
  session->outbox_busy = TRUE;
  session->outbox_again = FALSE;
  tc_replica_next_outbox_async (session->engine->replica, NULL, on_next_outbox_cb,
                                session_ref (session));
}

/* The message in flight is recorded as sent or failed: next one. */
static void
on_outbox_recorded_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  GError *error = NULL;
  gboolean ok;

  if (g_task_get_source_tag (G_TASK (result)) == tc_replica_mark_sent_async)
    ok = tc_replica_mark_sent_finish (TC_REPLICA (source), result, &error);
  else
    ok = tc_replica_mark_failed_finish (TC_REPLICA (source), result, &error) || error == NULL;
  if (session_is_over (session, &error))
    return;
  session->outbox_busy = FALSE;
  g_clear_pointer (&session->sending, g_free);
  if (!ok)
    {
      fail_session (session, error);
      return;
    }
  flush_outbox (session);
}

static void
on_send_ack (Session    *session,
             JsonObject *frame)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TcMessage) message = NULL;
  JsonNode *messages = json_object_get_member (frame, "messages");

  g_clear_handle_id (&session->reply_timeout_source, g_source_remove);
  tc_backoff_reset (&session->outbox_backoff);

  if (messages != NULL && JSON_NODE_HOLDS_ARRAY (messages) &&
      json_array_get_length (json_node_get_array (messages)) > 0)
    message = tc_message_from_json (json_array_get_element (json_node_get_array (messages), 0),
                                    &error);
  if (message == NULL)
    {
      /* The server has it; its event will bring it. Send nothing twice. */
      g_warning ("Acknowledgement of %s without a usable message: %s", session->sending,
                 error != NULL ? error->message : "no messages");
      g_clear_pointer (&session->sending, g_free);
      flush_outbox (session);
      return;
    }
  g_debug ("Sent %s as message %" G_GINT64_FORMAT, session->sending, message->id);
  session->outbox_busy = TRUE;
  tc_replica_mark_sent_async (session->engine->replica, message, NULL, on_outbox_recorded_cb,
                              session_ref (session));
}

static void
on_send_error (Session     *session,
               TcErrorCode  code,
               const char  *message)
{
  g_clear_handle_id (&session->reply_timeout_source, g_source_remove);

  switch (code)
    {
    case TC_ERROR_INVALID:
    case TC_ERROR_FORBIDDEN:
    case TC_ERROR_TOO_LARGE:
    case TC_ERROR_NOT_FOUND:
      /* Refused for good: the user sees why, and may retry or delete. */
      g_debug ("Message %s refused: %s", session->sending, message);
      session->outbox_busy = TRUE;
      tc_replica_mark_failed_async (session->engine->replica, session->sending, message, NULL,
                                    on_outbox_recorded_cb, session_ref (session));
      break;

    case TC_ERROR_UNAUTHORIZED:
      fail_session (session, g_error_new_literal (TC_ERROR, TC_ERROR_UNAUTHORIZED,
                                                  "your session has ended; log in again"));
      break;

    default:
      {
        /* Rate limits and server trouble pass: same message, later. */
        guint delay = tc_backoff_next_delay (&session->outbox_backoff, NULL);

        g_debug ("Message %s not sent yet (%s); again in %u ms", session->sending, message,
                 delay);
        g_clear_pointer (&session->sending, g_free);
        session->outbox_retry_source = g_timeout_add (MAX (delay, 100), on_outbox_retry_cb,
                                                      session);
      }
      break;
    }
}

/* --- read markers -------------------------------------------------------------------------- */

static gboolean
on_reads_retry_cb (gpointer user_data)
{
  Session *session = user_data;

  session->reads_retry_source = 0;
  flush_reads (session);
  return G_SOURCE_REMOVE;
}

static void
on_next_reads_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  g_autoptr(GPtrArray) markers = NULL;
  GError *error = NULL;

  markers = tc_replica_next_reads_finish (TC_REPLICA (source), result, &error);
  if (session_is_over (session, &error))
    return;
  session->reads_busy = FALSE;
  if (markers == NULL)
    {
      fail_session (session, error);
      return;
    }
  for (guint i = 0; i < markers->len; i++)
    {
      TcReadMarker *marker = g_ptr_array_index (markers, i);
      g_autofree char *ref = g_strdup_printf ("read:%s:%" G_GINT64_FORMAT, marker->peer_id,
                                              marker->up_to);
      JsonObject *frame;

      if (g_hash_table_contains (session->reads_in_flight, ref))
        continue;
      frame = json_object_new ();
      json_object_set_string_member (frame, "type", "read");
      json_object_set_string_member (frame, "ref", ref);
      json_object_set_string_member (frame, "peer", marker->peer_id);
      json_object_set_int_member (frame, "up_to", marker->up_to);
      send_frame (session, frame);
      json_object_unref (frame);
      g_hash_table_insert (session->reads_in_flight, g_steal_pointer (&ref),
                           tc_read_marker_copy (marker));
    }
  if (session->reads_again)
    flush_reads (session);
}

static void
flush_reads (Session *session)
{
  if (session->phase != PHASE_LIVE)
    return;
  if (session->reads_busy || session->reads_retry_source != 0)
    {
      session->reads_again = TRUE;
      return;
    }
  session->reads_busy = TRUE;
  session->reads_again = FALSE;
  tc_replica_next_reads_async (session->engine->replica, NULL, on_next_reads_cb,
                               session_ref (session));
}

static void
on_read_recorded_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  GError *error = NULL;

  if (!tc_replica_read_sent_finish (TC_REPLICA (source), result, &error) &&
      !session_is_over (session, &error))
    fail_session (session, error);
}

static void
on_read_reply (Session     *session,
               const char  *ref,
               gboolean     ok,
               TcErrorCode  code,
               const char  *message)
{
  g_autofree char *key = NULL;
  g_autoptr(TcReadMarker) marker = NULL;

  if (!g_hash_table_steal_extended (session->reads_in_flight, ref, (gpointer *) &key,
                                    (gpointer *) &marker))
    return;
  if (!ok && (code == TC_ERROR_RATE_LIMITED || code == TC_ERROR_INTERNAL ||
              code == TC_ERROR_UNAVAILABLE))
    {
      if (session->reads_retry_source == 0)
        session->reads_retry_source =
          g_timeout_add (MAX (tc_backoff_ceiling (&session->outbox_backoff), 100),
                         on_reads_retry_cb, session);
      return;
    }
  /* Refused markers (a message purged meanwhile, a peer off the team) are
   * dropped: sending them again would not help. */
  if (!ok)
    g_debug ("Read marker %s refused: %s", ref, message);
  tc_replica_read_sent_async (session->engine->replica, marker->peer_id, marker->up_to, NULL,
                              on_read_recorded_cb, session_ref (session));
}

/* --- the WebSocket ------------------------------------------------------------------------ */

static gboolean
on_ping_timeout_cb (gpointer user_data)
{
  Session *session = user_data;

  session->ping_timeout_source = 0;
  fail_session (session, g_error_new (TC_ERROR, TC_ERROR_UNAVAILABLE,
                                      "cannot reach the server: the connection stopped answering"));
  return G_SOURCE_REMOVE;
}

/* A ping frame that must be answered in time, else the session fails and
 * the engine reconnects. At most one at a time. */
static void
check_link (Session *session)
{
  guint interval = session->engine->liveness_interval;
  guint timeout = interval > 0 ? CLAMP (interval * 2, 1, PING_TIMEOUT_SECONDS) : PING_TIMEOUT_SECONDS;
  JsonObject *frame;

  if (session->phase != PHASE_LIVE || session->ping_timeout_source != 0)
    return;
  frame = json_object_new ();
  json_object_set_string_member (frame, "type", "ping");
  json_object_set_string_member (frame, "ref", "ping");
  send_frame (session, frame);
  json_object_unref (frame);
  session->ping_timeout_source = g_timeout_add_seconds (timeout, on_ping_timeout_cb, session);
}

static gboolean
on_liveness_cb (gpointer user_data)
{
  check_link (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_reply (Session    *session,
          JsonObject *frame,
          gboolean    ok)
{
  JsonNode *ref_node = json_object_get_member (frame, "ref");
  const char *ref = NULL;
  g_autofree char *wire = NULL;
  g_autofree char *message = NULL;
  TcErrorCode code = TC_ERROR_INTERNAL;

  if (ref_node != NULL && JSON_NODE_HOLDS_VALUE (ref_node) &&
      json_node_get_value_type (ref_node) == G_TYPE_STRING)
    ref = json_node_get_string (ref_node);
  if (!ok)
    {
      tc_json_get_string (frame, "error", FALSE, &wire, NULL);
      tc_json_get_string (frame, "message", FALSE, &message, NULL);
      if (wire != NULL)
        code = tc_error_code_from_wire (wire);
      if (message == NULL)
        message = g_strdup (wire != NULL ? wire : "the server refused it");
    }

  if (ref == NULL)
    {
      /* A frame the server could not read at all; nothing of ours. */
      if (!ok)
        g_warning ("The server refused a frame: %s", message);
      return;
    }
  if (session->sending != NULL && g_str_equal (ref, session->sending) &&
      session->reply_timeout_source != 0)
    {
      if (ok)
        on_send_ack (session, frame);
      else
        on_send_error (session, code, message);
    }
  else if (g_str_has_prefix (ref, "read:"))
    on_read_reply (session, ref, ok, code, message);
  else if (g_str_equal (ref, "ping"))
    g_clear_handle_id (&session->ping_timeout_source, g_source_remove);
}

static void
on_ws_message_cb (SoupWebsocketConnection *ws,
                  int                      type,
                  GBytes                  *bytes,
                  gpointer                 user_data)
{
  Session *session = user_data;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *frame_type = NULL;
  JsonObject *frame;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  TcEvent *event;

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;
  node = tc_json_parse (data, (gssize) len, &error);
  frame = node != NULL ? tc_json_require_object (node, "frame", &error) : NULL;
  if (frame == NULL || !tc_json_get_string (frame, "type", TRUE, &frame_type, &error))
    {
      g_warning ("Ignoring a frame from the server: %s", error->message);
      return;
    }

  if (g_str_equal (frame_type, "hello"))
    on_hello (session, frame);
  else if (g_str_equal (frame_type, "ack"))
    on_reply (session, frame, TRUE);
  else if (g_str_equal (frame_type, "error"))
    on_reply (session, frame, FALSE);
  else if (tc_event_type_from_string (frame_type, NULL))
    {
      event = tc_event_from_json (node, &error);
      if (event == NULL)
        {
          /* Skipping it would lose it; a fresh catch-up will not. */
          g_warning ("Unreadable event from the server: %s", error->message);
          fail_session (session, g_error_new (TC_ERROR, TC_ERROR_INTERNAL,
                                              "the server sent an event this app cannot read"));
          return;
        }
      if (session->phase == PHASE_LIVE)
        {
          apply_live_event (session, event);
          tc_event_free (event);
        }
      else
        g_ptr_array_add (session->held, event);
    }
  else
    g_debug ("Ignoring a frame of type “%s”", frame_type);
}

static void
on_ws_error_cb (SoupWebsocketConnection *ws,
                GError                  *error,
                gpointer                 user_data)
{
  Session *session = user_data;

  if (session->ws_error == NULL)
    session->ws_error = g_error_copy (error);
}

static void
on_ws_closed_cb (SoupWebsocketConnection *ws,
                 gpointer                 user_data)
{
  Session *session = user_data;
  const char *reason = soup_websocket_connection_get_close_data (ws);
  GError *error;

  if (session->ws_error != NULL)
    error = g_error_new (TC_ERROR, TC_ERROR_UNAVAILABLE, "cannot reach the server: %s",
                         session->ws_error->message);
  else if (soup_websocket_connection_get_close_code (ws) == SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION &&
           (g_strcmp0 (reason, TC_WS_CLOSE_LOGGED_OUT) == 0 ||
            g_strcmp0 (reason, TC_WS_CLOSE_SESSION_ENDED) == 0))
    error = g_error_new_literal (TC_ERROR, TC_ERROR_UNAUTHORIZED,
                                 "your session has ended; log in again");
  else if (reason != NULL && *reason != '\0')
    error = g_error_new (TC_ERROR, TC_ERROR_UNAVAILABLE, "the server closed the connection: %s",
                         reason);
  else
    error = g_error_new_literal (TC_ERROR, TC_ERROR_UNAVAILABLE,
                                 "the connection to the server was lost");
  fail_session (session, error);
}

/* --- outside triggers ------------------------------------------------------------------ */

static void
on_replica_changed_cb (TcReplica       *replica,
                       TcReplicaChange  what,
                       GStrv            peers,
                       gpointer         user_data)
{
  TcSyncEngine *self = user_data;

  if (self->session == NULL || !(what & TC_REPLICA_CHANGE_OUTBOX))
    return;
  flush_outbox (self->session);
  flush_reads (self->session);
}

static void
on_network_changed_cb (GNetworkMonitor *monitor,
                       gboolean         available,
                       gpointer         user_data)
{
  TcSyncEngine *self = user_data;

  if (!self->running || !available)
    return;
  if (self->session == NULL)
    {
      g_debug ("The network changed: reconnecting now");
      tc_backoff_reset (&self->backoff);
      connect_now (self);
    }
  else
    {
      /* The socket may be bound to a route that is gone: check it. */
      check_link (self->session);
    }
}

/* --- GObject ------------------------------------------------------------------------------ */

static void
tc_sync_engine_constructed (GObject *object)
{
  TcSyncEngine *self = TC_SYNC_ENGINE (object);

  G_OBJECT_CLASS (tc_sync_engine_parent_class)->constructed (object);

  g_assert (TC_IS_API_CLIENT (self->client));
  g_assert (TC_IS_REPLICA (self->replica));
  if (self->monitor == NULL)
    self->monitor = g_object_ref (g_network_monitor_get_default ());

  g_signal_connect_object (self->replica, "changed", G_CALLBACK (on_replica_changed_cb), self, 0);
  g_signal_connect_object (self->monitor, "network-changed", G_CALLBACK (on_network_changed_cb),
                           self, 0);
}

static void
tc_sync_engine_dispose (GObject *object)
{
  TcSyncEngine *self = TC_SYNC_ENGINE (object);

  self->running = FALSE;
  g_clear_handle_id (&self->retry_source, g_source_remove);
  end_session (self);

  G_OBJECT_CLASS (tc_sync_engine_parent_class)->dispose (object);
}

static void
tc_sync_engine_finalize (GObject *object)
{
  TcSyncEngine *self = TC_SYNC_ENGINE (object);

  g_clear_object (&self->client);
  g_clear_object (&self->replica);
  g_clear_object (&self->monitor);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (tc_sync_engine_parent_class)->finalize (object);
}

static void
tc_sync_engine_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TcSyncEngine *self = TC_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_API_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_REPLICA:
      g_value_set_object (value, self->replica);
      break;
    case PROP_NETWORK_MONITOR:
      g_value_set_object (value, self->monitor);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_FIRST_SYNC:
      g_value_set_boolean (value, self->first_sync);
      break;
    case PROP_SYNCED_EVENTS:
      g_value_set_uint (value, self->synced_events);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_BACKOFF_BASE:
      g_value_set_uint (value, self->backoff.base_ms);
      break;
    case PROP_BACKOFF_CAP:
      g_value_set_uint (value, self->backoff.cap_ms);
      break;
    case PROP_PAGE_SIZE:
      g_value_set_uint (value, self->page_size);
      break;
    case PROP_RETENTION_DAYS:
      g_value_set_uint (value, self->retention_days);
      break;
    case PROP_LIVENESS_INTERVAL:
      g_value_set_uint (value, self->liveness_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_sync_engine_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  TcSyncEngine *self = TC_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_API_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    case PROP_REPLICA:
      self->replica = g_value_dup_object (value);
      break;
    case PROP_NETWORK_MONITOR:
      self->monitor = g_value_dup_object (value);
      break;
    case PROP_BACKOFF_BASE:
      tc_sync_engine_set_backoff (self, g_value_get_uint (value), self->backoff.cap_ms);
      break;
    case PROP_BACKOFF_CAP:
      tc_sync_engine_set_backoff (self, self->backoff.base_ms, g_value_get_uint (value));
      break;
    case PROP_PAGE_SIZE:
      if (self->page_size != g_value_get_uint (value))
        {
          self->page_size = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_RETENTION_DAYS:
      if (self->retention_days != g_value_get_uint (value))
        {
          self->retention_days = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_LIVENESS_INTERVAL:
      /* Taken by the next session. */
      if (self->liveness_interval != g_value_get_uint (value))
        {
          self->liveness_interval = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tc_sync_engine_class_init (TcSyncEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags construct_only = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                     G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags read_only = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags read_write = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                 G_PARAM_EXPLICIT_NOTIFY;

  object_class->constructed = tc_sync_engine_constructed;
  object_class->dispose = tc_sync_engine_dispose;
  object_class->finalize = tc_sync_engine_finalize;
  object_class->get_property = tc_sync_engine_get_property;
  object_class->set_property = tc_sync_engine_set_property;

  /** TcSyncEngine:api-client: the server to follow, logged in. */
  properties[PROP_API_CLIENT] =
    g_param_spec_object ("api-client", NULL, NULL, TC_TYPE_API_CLIENT, construct_only);
  /** TcSyncEngine:replica: the replica to feed. */
  properties[PROP_REPLICA] =
    g_param_spec_object ("replica", NULL, NULL, TC_TYPE_REPLICA, construct_only);
  /** TcSyncEngine:network-monitor: tells when the network comes back
   * (default: g_network_monitor_get_default()). */
  properties[PROP_NETWORK_MONITOR] =
    g_param_spec_object ("network-monitor", NULL, NULL, G_TYPE_NETWORK_MONITOR, construct_only);
  /** TcSyncEngine:state: offline, connecting, syncing or online. */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, TC_TYPE_SYNC_STATE, TC_SYNC_STATE_OFFLINE, read_only);
  /** TcSyncEngine:error: why the engine is offline (a #GError to show), or
   * %NULL. %TC_ERROR_UNAUTHORIZED means the session ended: the engine
   * stopped and the user must log in again. */
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, read_only);
  /** TcSyncEngine:first-sync: a sync from scratch is running (an empty
   * replica, or a reset). */
  properties[PROP_FIRST_SYNC] =
    g_param_spec_boolean ("first-sync", NULL, NULL, FALSE, read_only);
  /** TcSyncEngine:synced-events: events applied by the current catch-up. */
  properties[PROP_SYNCED_EVENTS] =
    g_param_spec_uint ("synced-events", NULL, NULL, 0, G_MAXUINT, 0, read_only);
  /** TcSyncEngine:progress: how far the catch-up is, from 0 to 1; -1 while
   * the amount left is not known (the first pages of a first sync: show a
   * pulsing bar and #TcSyncEngine:synced-events). */
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, -1.0, 1.0, 0.0, read_only);
  /** TcSyncEngine:backoff-base: the ceiling of the first reconnect delay, in ms. */
  properties[PROP_BACKOFF_BASE] =
    g_param_spec_uint ("backoff-base", NULL, NULL, 0, G_MAXUINT, DEFAULT_BACKOFF_BASE_MS,
                       read_write | G_PARAM_CONSTRUCT);
  /** TcSyncEngine:backoff-cap: the largest reconnect delay, in ms. */
  properties[PROP_BACKOFF_CAP] =
    g_param_spec_uint ("backoff-cap", NULL, NULL, 0, G_MAXUINT, DEFAULT_BACKOFF_CAP_MS,
                       read_write | G_PARAM_CONSTRUCT);
  /** TcSyncEngine:page-size: events asked for per sync page. */
  properties[PROP_PAGE_SIZE] =
    g_param_spec_uint ("page-size", NULL, NULL, 1, 1000, DEFAULT_PAGE_SIZE,
                       read_write | G_PARAM_CONSTRUCT);
  /** TcSyncEngine:retention-days: messages older than this are purged
   * from the replica after each catch-up, as the server does; 0 keeps all. */
  properties[PROP_RETENTION_DAYS] =
    g_param_spec_uint ("retention-days", NULL, NULL, 0, 36500, DEFAULT_RETENTION_DAYS,
                       read_write | G_PARAM_CONSTRUCT);
  /** TcSyncEngine:liveness-interval: while online, a ping frame is sent
   * this often, in seconds, and must be answered within twice that (at
   * most 15 s), else the engine reconnects; the hello and each ack may
   * take three times that (at most 60 s); 0 sends no pings. */
  properties[PROP_LIVENESS_INTERVAL] =
    g_param_spec_uint ("liveness-interval", NULL, NULL, 0, 3600, DEFAULT_LIVENESS_SECONDS,
                       read_write | G_PARAM_CONSTRUCT);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tc_sync_engine_init (TcSyncEngine *self)
{
  self->state = TC_SYNC_STATE_OFFLINE;
  tc_backoff_init (&self->backoff, DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_CAP_MS);
}

/**
 * tc_sync_engine_new:
 * @client: a logged-in client of the server
 * @replica: the replica of the same server and associate
 *
 * Returns: (transfer full): an engine, stopped
 */
TcSyncEngine *
tc_sync_engine_new (TcApiClient *client,
                    TcReplica   *replica)
{
  g_return_val_if_fail (TC_IS_API_CLIENT (client), NULL);
  g_return_val_if_fail (TC_IS_REPLICA (replica), NULL);

  return g_object_new (TC_TYPE_SYNC_ENGINE, "api-client", client, "replica", replica, NULL);
}

/**
 * tc_sync_engine_start:
 * @self: an engine
 *
 * Starts syncing; from now on the engine keeps trying until stopped (or
 * until the server ends the session).
 */
void
tc_sync_engine_start (TcSyncEngine *self)
{
  g_return_if_fail (TC_IS_SYNC_ENGINE (self));

  if (self->running)
    return;
  self->running = TRUE;
  tc_backoff_reset (&self->backoff);
  if (self->session == NULL)
    connect_now (self);
}

/**
 * tc_sync_engine_stop:
 * @self: an engine
 *
 * Closes the connection and stops retrying. What the replica holds stays;
 * a message in flight is sent again (with the same client id) next time.
 */
void
tc_sync_engine_stop (TcSyncEngine *self)
{
  g_return_if_fail (TC_IS_SYNC_ENGINE (self));

  self->running = FALSE;
  g_clear_handle_id (&self->retry_source, g_source_remove);
  end_session (self);
}

/**
 * tc_sync_engine_reconnect_now:
 * @self: an engine
 *
 * Skips the wait before the next attempt ("Retry now"). Does nothing while
 * connected or connecting, or when stopped.
 */
void
tc_sync_engine_reconnect_now (TcSyncEngine *self)
{
  g_return_if_fail (TC_IS_SYNC_ENGINE (self));

  if (!self->running || self->session != NULL)
    return;
  tc_backoff_reset (&self->backoff);
  connect_now (self);
}

/**
 * tc_sync_engine_get_api_client:
 * @self: an engine
 *
 * Returns: (transfer none): the client
 */
TcApiClient *
tc_sync_engine_get_api_client (TcSyncEngine *self)
{
  g_return_val_if_fail (TC_IS_SYNC_ENGINE (self), NULL);

  return self->client;
}

/**
 * tc_sync_engine_get_replica:
 * @self: an engine
 *
 * Returns: (transfer none): the replica
 */
TcReplica *
tc_sync_engine_get_replica (TcSyncEngine *self)
{
  g_return_val_if_fail (TC_IS_SYNC_ENGINE (self), NULL);

  return self->replica;
}

/**
 * tc_sync_engine_get_state:
 * @self: an engine
 *
 * Returns: the connection state
 */
TcSyncState
tc_sync_engine_get_state (TcSyncEngine *self)
{
  g_return_val_if_fail (TC_IS_SYNC_ENGINE (self), TC_SYNC_STATE_OFFLINE);

  return self->state;
}

/**
 * tc_sync_engine_get_error:
 * @self: an engine
 *
 * Returns: (transfer none) (nullable): why the last attempt failed, or
 *   %NULL once online
 */
const GError *
tc_sync_engine_get_error (TcSyncEngine *self)
{
  g_return_val_if_fail (TC_IS_SYNC_ENGINE (self), NULL);

  return self->error;
}

/**
 * tc_sync_engine_get_first_sync:
 * @self: an engine
 *
 * Returns: %TRUE while a sync from scratch runs
 */
gboolean
tc_sync_engine_get_first_sync (TcSyncEngine *self)
{
  g_return_val_if_fail (TC_IS_SYNC_ENGINE (self), FALSE);

  return self->first_sync;
}

/**
 * tc_sync_engine_get_synced_events:
 * @self: an engine
 *
 * Returns: the events applied by the current or last catch-up
 */
guint
tc_sync_engine_get_synced_events (TcSyncEngine *self)
{
  g_return_val_if_fail (TC_IS_SYNC_ENGINE (self), 0);

  return self->synced_events;
}

/**
 * tc_sync_engine_get_progress:
 * @self: an engine
 *
 * Returns: see #TcSyncEngine:progress
 */
double
tc_sync_engine_get_progress (TcSyncEngine *self)
{
  g_return_val_if_fail (TC_IS_SYNC_ENGINE (self), 0.0);

  return self->progress;
}

/**
 * tc_sync_engine_set_backoff:
 * @self: an engine
 * @base_ms: the ceiling of the first reconnect delay
 * @cap_ms: the largest delay
 *
 * Sets the reconnect delays (tests make them short). Takes effect from the
 * next attempt.
 */
void
tc_sync_engine_set_backoff (TcSyncEngine *self,
                            guint         base_ms,
                            guint         cap_ms)
{
  guint old_base, old_cap;

  g_return_if_fail (TC_IS_SYNC_ENGINE (self));

  old_base = self->backoff.base_ms;
  old_cap = self->backoff.cap_ms;
  self->backoff.base_ms = base_ms;
  self->backoff.cap_ms = MAX (cap_ms, base_ms);
  if (old_base != self->backoff.base_ms)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKOFF_BASE]);
  if (old_cap != self->backoff.cap_ms)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKOFF_CAP]);
}
