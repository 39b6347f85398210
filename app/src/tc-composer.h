/* tc-composer.h: where a message is typed — text, attachments, Send */
#pragma once

#include <adwaita.h>

#include "tc-account.h"

G_BEGIN_DECLS

#define TC_TYPE_COMPOSER (tc_composer_get_type ())
G_DECLARE_FINAL_TYPE (TcComposer, tc_composer, TC, COMPOSER, AdwBin)

/* Characters left below which the counter shows. */
#define TC_COMPOSER_COUNTER_THRESHOLD 300

char     *tc_composer_get_text      (TcComposer *self);
void      tc_composer_set_text      (TcComposer *self,
                                     const char *text);
/* Whether what is typed may be sent: not blank, not over the limit. */
gboolean  tc_composer_has_message   (TcComposer *self);
/* FALSE keeps Send disabled whatever is typed (no recipient yet, …). */
void      tc_composer_set_can_send  (TcComposer *self,
                                     gboolean    can_send);
/* Shows the offline disclaimer for these recipients' names (NULL or
 * empty: none is offline). */
void      tc_composer_set_offline_names (TcComposer         *self,
                                         const char * const *names);
char     *tc_composer_offline_note_text (const char * const *names);
void      tc_composer_focus         (TcComposer *self);

/* The account whose library the Attach button browses (NULL: none). */
void       tc_composer_set_account     (TcComposer *self,
                                        TcAccount  *account);
/* The files attached (TcResource), in the order picked; borrowed. */
GPtrArray *tc_composer_get_attachments (TcComposer *self);
/* Adds files not attached yet, up to TC_MESSAGE_MAX_ATTACHMENTS. */
void       tc_composer_add_attachments (TcComposer *self,
                                        GPtrArray  *resources);
void       tc_composer_set_attachments (TcComposer *self,
                                        GPtrArray  *resources);
/* No text and no attachments: after a send. */
void       tc_composer_clear           (TcComposer *self);

G_END_DECLS
