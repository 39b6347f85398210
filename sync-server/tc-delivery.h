/* tc-delivery.h: offline delivery of chat messages by email or text
 *
 * While it runs, the store queues a delivery job with every message whose
 * recipient has no open WebSocket at commit time (and whose preferred
 * channel is configured). A scheduler thread claims due jobs and hands
 * them to a few sender threads (SMTP through libcurl, or the SMS
 * provider's API); each outcome is recorded: sent (the message gets
 * delivered_via), retried later with exponential backoff, or failed for
 * good after [delivery] max_tries (the message gets delivery_error). The
 * main loop is never blocked.
 */
#pragma once

#include "tc-config.h"
#include "tc-hub.h"
#include "tc-store.h"

G_BEGIN_DECLS

#define TC_TYPE_DELIVERY (tc_delivery_get_type ())
G_DECLARE_FINAL_TYPE (TcDelivery, tc_delivery, TC, DELIVERY, GObject)

TcDelivery *tc_delivery_new              (TcStore     *store,
                                          TcConfig    *config,
                                          TcHub       *hub);
/* Blocking, at start-up from the main thread: loads the reply-token secret,
 * makes jobs a previous process left half-done pending again, installs the
 * store's delivery policy and starts the threads. */
gboolean    tc_delivery_start            (TcDelivery  *self,
                                          GError     **error);
/* Stops queueing, lets the sends in progress finish and joins the
 * threads; claimed jobs not yet started stay for the next start. */
void        tc_delivery_stop             (TcDelivery  *self);
/* The secret reply tokens are made with (after start). */
GBytes     *tc_delivery_get_reply_secret (TcDelivery  *self);

/* The delay before try @tries + 1 (µs): @base_seconds doubled per try
 * already made, at most @max_seconds. Pure, for tests. */
gint64      tc_delivery_backoff_usec     (guint        tries,
                                          guint        base_seconds,
                                          guint        max_seconds);

G_END_DECLS
