/* tc-reply-parser.h: an inbound email → the reply text, or why it is
 * dropped (pure functions, no I/O; GMime 3)
 *
 * tc_reply_parse() takes the raw message (any charset, any transfer
 * encoding, multipart or not) and decides:
 *
 * - bounces (multipart/report, MAILER-DAEMON or postmaster senders, a null
 *   Return-Path) and automatic replies (RFC 3834 Auto-Submitted other than
 *   "no", Precedence bulk/junk/list/auto_reply, X-Autoreply, X-Autorespond,
 *   out-of-office subjects) are dropped;
 * - otherwise the text/plain body (or the text/html one turned into text
 *   when it is the only one) loses its quoted history and signature: "On …
 *   wrote:" lines in many languages, Outlook "From: … Sent: …" blocks,
 *   "-----Original Message-----" and the like, ">" quotes, "-- " and mobile
 *   signatures ("Sent from my iPhone" and its translations). A reply that
 *   interleaves with the quote keeps each answer with the last quoted lines
 *   it answers;
 * - what is left, if anything, is the reply (cut to the 4,000 characters
 *   a chat message may hold, with "…"); else it is dropped as having no
 *   new text.
 *
 * Kept free of I/O and of the database so fuzzers can call it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  TC_REPLY_POST,             /* text holds the reply */
  TC_REPLY_DROP_MALFORMED,
  TC_REPLY_DROP_BOUNCE,
  TC_REPLY_DROP_AUTOMATIC,
  TC_REPLY_DROP_EMPTY,
} TcReplyVerdict;

typedef struct {
  TcReplyVerdict  verdict;
  char           *text;          /* UTF-8, when verdict is TC_REPLY_POST */
  char           *reason;        /* one line, when dropped */
  char           *message_id;    /* may be NULL */
  char           *from_address;  /* may be NULL */
  GPtrArray      *recipients;    /* char *, lower case: To, Cc, Delivered-To,
                                  * X-Original-To, Envelope-To */
} TcReply;

/* Never NULL. Calls tc_email_init(). */
TcReply  *tc_reply_parse        (const guint8  *data,
                                 gsize          len);
void      tc_reply_free         (TcReply       *self);
/* The TOKEN of the first recipient reply+TOKEN@@domain (any domain when
 * @domain is NULL), or NULL. */
char     *tc_reply_find_token   (const TcReply *self,
                                 const char    *domain);

/* The steps, for tests and fuzzers: plain text → the new text ("" when
 * none); HTML → plain text with blockquotes as "> " lines. */
char     *tc_reply_strip_quotes (const char    *text);
char     *tc_reply_html_to_text (const char    *html);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcReply, tc_reply_free)

G_END_DECLS
