/* tc-message-row.c: one message of a conversation, as a bubble
 *
 * Outgoing messages sit on the end side in the accent colour, incoming ones
 * on the start side; under an outgoing bubble, its state: "Sending…", the
 * read receipt, or why it failed with Retry and Delete (the
 * "conversation.retry" and "conversation.delete" actions of the view, with
 * the message's client id as target).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-message-row.h"

struct _TcMessageRow
{
  GtkListBoxRow     parent_instance;

  /* template widgets (the row's own child is not bound: GtkListBoxRow
   * disposes it) */
  GtkBox           *bubble_line;
  GtkWidget        *spacer;
  GtkBox           *bubble;
  GtkLabel         *body_label;
  GtkLabel         *time_label;
  GtkImage         *state_icon;
  GtkLabel         *status_label;
  GtkBox           *failed_box;
  GtkLabel         *error_label;
  GtkBox           *failed_buttons;
  GtkButton        *retry_button;
  GtkButton        *delete_button;

  /* owned */
  TcReplicaMessage *message;
  char             *sender_name;
  gboolean          outgoing;
  gboolean          show_receipt;
};

G_DEFINE_FINAL_TYPE (TcMessageRow, tc_message_row, GTK_TYPE_LIST_BOX_ROW)

static char *
format_time (gint64 usec)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);

  if (when == NULL)
    return g_strdup ("");
  /* The day is in the separator above. */
  /* TRANSLATORS: time of a message sent today, see g_date_time_format() */
  return g_date_time_format (when, _("%H:%M"));
}

static gboolean
same_message (const TcReplicaMessage *a,
              const TcReplicaMessage *b)
{
  return a->local_id == b->local_id &&
         a->state == b->state &&
         g_strcmp0 (a->error, b->error) == 0 &&
         a->message->id == b->message->id &&
         a->message->sent_at == b->message->sent_at &&
         a->message->read == b->message->read &&
         g_strcmp0 (a->message->body, b->message->body) == 0 &&
         g_strcmp0 (a->message->delivered_via, b->message->delivered_via) == 0;
}

/* The line under an outgoing bubble, or NULL for none. */
static const char *
status_text (TcMessageRow *self)
{
  const TcMessage *message = self->message->message;

  if (!self->outgoing)
    return NULL;
  switch (self->message->state)
    {
    case TC_MESSAGE_STATE_PENDING:
      return _("Sending…");
    case TC_MESSAGE_STATE_FAILED:
      return NULL;   /* the failure box says it */
    case TC_MESSAGE_STATE_SENT:
    default:
      break;
    }
  if (self->show_receipt)
    /* TRANSLATORS: read receipt under the last message the other person has read */
    return _("Read");
  if (g_strcmp0 (message->delivered_via, "email") == 0)
    return _("Delivered by email");
  if (g_strcmp0 (message->delivered_via, "sms") == 0)
    return _("Delivered by text message");
  return NULL;
}

static void
update_accessible_label (TcMessageRow *self,
                         const char   *when)
{
  const char *who = self->outgoing ? _("You") : self->sender_name;
  const char *state = status_text (self);
  g_autofree char *text = NULL;

  /* TRANSLATORS: how a screen reader reads a message: who wrote it, the
   * time, then the text */
  text = g_strdup_printf (_("%1$s at %2$s: %3$s"), who ? who : "", when,
                          self->message->message->body ? self->message->message->body : "");
  if (self->message->state == TC_MESSAGE_STATE_FAILED)
    {
      g_autofree char *with_state = NULL;

      /* TRANSLATORS: a message as read out, then why it could not be sent */
      with_state = g_strdup_printf (_("%1$s. Not sent: %2$s"), text,
                                    self->message->error ? self->message->error : "");
      g_free (text);
      text = g_steal_pointer (&with_state);
    }
  else if (state != NULL)
    {
      g_autofree char *with_state = NULL;

      /* TRANSLATORS: a message as read out, then its state ("Sending…", "Read") */
      with_state = g_strdup_printf (_("%1$s. %2$s"), text, state);
      g_free (text);
      text = g_steal_pointer (&with_state);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static void
update (TcMessageRow *self)
{
  const TcMessage *message = self->message->message;
  GtkAlign side = self->outgoing ? GTK_ALIGN_END : GTK_ALIGN_START;
  TcMessageState state = self->message->state;
  const char *status = status_text (self);
  g_autofree char *when = format_time (message->sent_at);

  /* The spacer pushes the bubble to its side. */
  if (self->outgoing)
    gtk_box_reorder_child_after (self->bubble_line, GTK_WIDGET (self->bubble), self->spacer);
  else
    gtk_box_reorder_child_after (self->bubble_line, self->spacer, GTK_WIDGET (self->bubble));
  gtk_label_set_xalign (self->status_label, self->outgoing ? 1.0f : 0.0f);
  gtk_label_set_xalign (self->error_label, self->outgoing ? 1.0f : 0.0f);
  gtk_widget_set_halign (GTK_WIDGET (self->failed_buttons), side);

  gtk_widget_remove_css_class (GTK_WIDGET (self->bubble), self->outgoing ? "incoming" : "outgoing");
  gtk_widget_add_css_class (GTK_WIDGET (self->bubble), self->outgoing ? "outgoing" : "incoming");
  if (state == TC_MESSAGE_STATE_PENDING)
    gtk_widget_add_css_class (GTK_WIDGET (self->bubble), "pending");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->bubble), "pending");
  if (state == TC_MESSAGE_STATE_FAILED)
    gtk_widget_add_css_class (GTK_WIDGET (self->bubble), "failed");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->bubble), "failed");

  gtk_label_set_text (self->body_label, message->body ? message->body : "");
  gtk_label_set_text (self->time_label, when);

  /* A small tick once the server has it, a warning sign when it refused
   * it; the text under the bubble says the rest. */
  gtk_widget_set_visible (GTK_WIDGET (self->state_icon),
                          self->outgoing && state != TC_MESSAGE_STATE_PENDING);
  gtk_image_set_from_icon_name (self->state_icon, state == TC_MESSAGE_STATE_FAILED
                                                    ? "dialog-warning-symbolic"
                                                    : "object-select-symbolic");

  gtk_label_set_text (self->status_label, status ? status : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), status != NULL);

  gtk_widget_set_visible (GTK_WIDGET (self->failed_box), state == TC_MESSAGE_STATE_FAILED);
  if (state == TC_MESSAGE_STATE_FAILED)
    {
      const char *client_id = message->client_id ? message->client_id : "";
      g_autofree char *reason = NULL;

      if (self->message->error != NULL && *self->message->error != '\0')
        /* TRANSLATORS: under a message the server refused; %s is its reason */
        reason = g_strdup_printf (_("Not sent: %s"), self->message->error);
      else
        reason = g_strdup (_("Not sent"));
      gtk_label_set_text (self->error_label, reason);

      /* The target first: the name alone would not match the actions. */
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->retry_button), "s", client_id);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->retry_button), "conversation.retry");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->delete_button), "s", client_id);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->delete_button), "conversation.delete");
    }

  update_accessible_label (self, when);
}

/**
 * tc_message_row_set_message:
 * @self: a message row
 * @message: the message to show
 * @outgoing: whether the local user wrote it
 * @sender_name: (nullable): the name of who wrote it
 *
 * Shows @message, updating the row in place so that a text selection or
 * the keyboard focus survive a change of state.
 */
void
tc_message_row_set_message (TcMessageRow           *self,
                            const TcReplicaMessage *message,
                            gboolean                outgoing,
                            const char             *sender_name)
{
  g_return_if_fail (TC_IS_MESSAGE_ROW (self));
  g_return_if_fail (message != NULL && message->message != NULL);

  if (self->message != NULL && same_message (self->message, message) &&
      self->outgoing == outgoing && g_strcmp0 (self->sender_name, sender_name) == 0)
    return;

  g_clear_pointer (&self->message, tc_replica_message_free);
  self->message = tc_replica_message_copy (message);
  g_free (self->sender_name);
  self->sender_name = g_strdup (sender_name);
  self->outgoing = outgoing;
  update (self);
}

const TcReplicaMessage *
tc_message_row_get_message (TcMessageRow *self)
{
  g_return_val_if_fail (TC_IS_MESSAGE_ROW (self), NULL);
  return self->message;
}

gboolean
tc_message_row_get_outgoing (TcMessageRow *self)
{
  g_return_val_if_fail (TC_IS_MESSAGE_ROW (self), FALSE);
  return self->outgoing;
}

void
tc_message_row_set_show_receipt (TcMessageRow *self,
                                 gboolean      show_receipt)
{
  g_return_if_fail (TC_IS_MESSAGE_ROW (self));

  show_receipt = !!show_receipt;
  if (self->show_receipt == show_receipt)
    return;
  self->show_receipt = show_receipt;
  if (self->message != NULL)
    update (self);
}

void
tc_message_row_set_continued (TcMessageRow *self,
                              gboolean      continued)
{
  g_return_if_fail (TC_IS_MESSAGE_ROW (self));

  /* Messages of one sender in a row read as one block, as in other chat
   * apps; a new sender starts with more room. */
  gtk_widget_set_margin_top (gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (self)),
                             continued ? 2 : 10);
}

static void
tc_message_row_dispose (GObject *object)
{
  TcMessageRow *self = TC_MESSAGE_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TC_TYPE_MESSAGE_ROW);

  G_OBJECT_CLASS (tc_message_row_parent_class)->dispose (object);
}

static void
tc_message_row_finalize (GObject *object)
{
  TcMessageRow *self = TC_MESSAGE_ROW (object);

  g_clear_pointer (&self->message, tc_replica_message_free);
  g_free (self->sender_name);

  G_OBJECT_CLASS (tc_message_row_parent_class)->finalize (object);
}

static void
tc_message_row_class_init (TcMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tc_message_row_dispose;
  object_class->finalize = tc_message_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/teamchat/TeamChat/tc-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, bubble_line);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, spacer);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, bubble);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, body_label);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, state_icon);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, failed_box);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, error_label);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, failed_buttons);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, delete_button);
}

static void
tc_message_row_init (TcMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
tc_message_row_new (void)
{
  return g_object_new (TC_TYPE_MESSAGE_ROW, NULL);
}
