/* tc-message-row.c: one message of a conversation, as a bubble
 *
 * Outgoing messages sit on the end side in the accent colour, incoming ones
 * on the start side; under an outgoing bubble, its state: "Sending…", the
 * read receipt, or why it failed with Retry and Delete (the
 * "conversation.retry" and "conversation.delete" actions of the view, with
 * the message's client id as target). Attached files are cards at the
 * top of the bubble (TcAttachmentCard). Above the first message of a day,
 * the day; a message not read from the replica yet is blank space.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-attachment-card.h"
#include "tc-bubble-layout.h"
#include "tc-locale-format.h"
#include "tc-message-row.h"

struct _TcMessageRow
{
  AdwBin            parent_instance;

  /* template widgets (the bin's own child is not bound: AdwBin disposes
   * it) */
  GtkLabel         *day_label;
  GtkWidget        *placeholder;
  GtkBox           *column;
  GtkWidget        *bubble_line;
  GtkBox           *bubble;
  GtkBox           *attachments_box;
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
  TcMessageItem    *item;
  gulong            changed_id;
  TcMediaCache     *media_cache;   /* nullable: cards cannot download */
  GPtrArray        *shown_attachments;   /* of TcResource: what the cards show */

  /* what is shown, from the item */
  const TcReplicaMessage *message;
  const char       *sender_name;
  gboolean          outgoing;
  gboolean          show_receipt;
};

G_DEFINE_FINAL_TYPE (TcMessageRow, tc_message_row, ADW_TYPE_BIN)

static char *
format_time (gint64 usec)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);

  if (when == NULL)
    return g_strdup ("");
  /* The day is in the separator above. */
  return tc_format_time_of_day (when);
}

/* The line under an outgoing bubble, or NULL for none. */
static char *
status_text (TcMessageRow *self)
{
  const TcMessage *message = self->message->message;

  if (!self->outgoing)
    return NULL;
  switch (self->message->state)
    {
    case TC_MESSAGE_STATE_PENDING:
      return g_strdup (_("Sending…"));
    case TC_MESSAGE_STATE_FAILED:
      return NULL;   /* the failure box says it */
    case TC_MESSAGE_STATE_SENT:
    default:
      break;
    }
  if (self->show_receipt)
    /* TRANSLATORS: read receipt under the last message the other person has read */
    return g_strdup (_("Read"));
  if (g_strcmp0 (message->delivered_via, "email") == 0)
    return g_strdup (_("Delivered by email"));
  if (g_strcmp0 (message->delivered_via, "sms") == 0)
    return g_strdup (_("Delivered by text message"));
  if (message->delivery_error != NULL)
    /* TRANSLATORS: under a message sent while its recipient was offline;
     * %s is the server's reason, in English, e.g. "no email address on file" */
    return g_strdup_printf (_("Not delivered by email or text: %s"), message->delivery_error);
  return NULL;
}

static void
update_accessible_label (TcMessageRow *self,
                         const char   *when)
{
  const char *who = self->outgoing ? _("You") : self->sender_name;
  g_autofree char *state = status_text (self);
  g_autofree char *text = NULL;

  /* TRANSLATORS: how a screen reader reads a message: who wrote it, the
   * time, then the text */
  text = g_strdup_printf (_("%1$s at %2$s: %3$s"), who ? who : "", when,
                          self->message->message->body ? self->message->message->body : "");
  if (self->message->message->attachments != NULL &&
      self->message->message->attachments->len > 0)
    {
      GPtrArray *attachments = self->message->message->attachments;
      g_autoptr(GString) titles = g_string_new (NULL);
      g_autofree char *with_files = NULL;

      for (guint i = 0; i < attachments->len; i++)
        {
          if (i > 0)
            /* TRANSLATORS: what separates names in a list, "Ana, Bo, Cy" */
            g_string_append (titles, C_("list separator", ", "));
          g_string_append (titles, ((TcResource *) g_ptr_array_index (attachments, i))->title);
        }
      /* TRANSLATORS: a message as read out, then the titles of its attached files */
      with_files = g_strdup_printf (ngettext ("%1$s. Attached file: %2$s",
                                              "%1$s. Attached files: %2$s", attachments->len),
                                    text, titles->str);
      g_free (text);
      text = g_steal_pointer (&with_files);
    }
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

static gboolean
same_day (GDateTime *a,
          GDateTime *b)
{
  return a != NULL && b != NULL &&
         g_date_time_get_year (a) == g_date_time_get_year (b) &&
         g_date_time_get_day_of_year (a) == g_date_time_get_day_of_year (b);
}

static char *
format_day (gint64 usec)
{
  g_autoptr(GDateTime) day = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) yesterday = g_date_time_add_days (now, -1);

  if (day == NULL)
    return g_strdup ("");
  if (same_day (day, now))
    return g_strdup (_("Today"));
  if (same_day (day, yesterday))
    return g_strdup (_("Yesterday"));
  if (g_date_time_get_year (day) == g_date_time_get_year (now))
    /* TRANSLATORS: a day of this year above its messages, see g_date_time_format() */
    return g_date_time_format (day, _("%A, %B %-d"));
  /* TRANSLATORS: a day of another year above its messages, see g_date_time_format() */
  return g_date_time_format (day, _("%B %-d, %Y"));
}

/* Cards for @attachments; the same ones kept when nothing changed, so a
 * download's progress or a focused card survives a state change. */
static void
show_attachments (TcMessageRow *self,
                  GPtrArray    *attachments)
{
  GtkWidget *child;

  if (self->shown_attachments != NULL &&
      tc_resources_equal (self->shown_attachments, attachments))
    return;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->attachments_box))) != NULL)
    gtk_box_remove (self->attachments_box, child);
  g_clear_pointer (&self->shown_attachments, g_ptr_array_unref);
  self->shown_attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);
  for (guint i = 0; attachments != NULL && i < attachments->len; i++)
    {
      const TcResource *resource = g_ptr_array_index (attachments, i);

      g_ptr_array_add (self->shown_attachments, tc_resource_copy (resource));
      gtk_box_append (self->attachments_box, tc_attachment_card_new (self->media_cache, resource));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->attachments_box), self->shown_attachments->len > 0);
}

static void
show_message (TcMessageRow *self)
{
  const TcMessage *message = self->message->message;
  GtkAlign side = self->outgoing ? GTK_ALIGN_END : GTK_ALIGN_START;
  TcMessageState state = self->message->state;
  g_autofree char *status = status_text (self);
  g_autofree char *when = format_time (message->sent_at);

  /* Its line's TcBubbleLayout puts the bubble on its side. */
  gtk_widget_set_halign (GTK_WIDGET (self->bubble), side);
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
  /* Files alone: no empty line under the cards. */
  gtk_widget_set_visible (GTK_WIDGET (self->body_label),
                          message->body != NULL && *message->body != '\0');
  show_attachments (self, message->attachments);
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

      /* Tooltips only here: setting one asks the display where the pointer
       * is, a round trip for each of the 200 rows a list keeps. */
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->retry_button), _("Send this message again"));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->delete_button),
                                   _("Delete this message without sending it"));
      /* The target first: the name alone would not match the actions. */
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->retry_button), "s", client_id);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->retry_button), "conversation.retry");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->delete_button), "s", client_id);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->delete_button), "conversation.delete");
    }

  update_accessible_label (self, when);
}

static void
update (TcMessageRow *self)
{
  TcMessageItemFlags flags;

  self->message = self->item != NULL ? tc_message_item_get_message (self->item) : NULL;
  gtk_widget_set_visible (self->placeholder, self->item != NULL && self->message == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->column), self->message != NULL);
  if (self->message == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->day_label), FALSE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Loading…"), -1);
      return;
    }

  flags = tc_message_item_get_flags (self->item);
  self->outgoing = (flags & TC_MESSAGE_ITEM_OUTGOING) != 0;
  self->show_receipt = (flags & TC_MESSAGE_ITEM_RECEIPT) != 0;
  self->sender_name = tc_message_item_get_sender_name (self->item);

  gtk_widget_set_visible (GTK_WIDGET (self->day_label), (flags & TC_MESSAGE_ITEM_FIRST_OF_DAY) != 0);
  if (flags & TC_MESSAGE_ITEM_FIRST_OF_DAY)
    {
      g_autofree char *day = format_day (self->message->message->sent_at);

      gtk_label_set_text (self->day_label, day);
    }
  /* Messages of one sender in a row read as one block, as in other chat
   * apps; a new sender starts with more room. */
  gtk_widget_set_margin_top (GTK_WIDGET (self->column),
                             (flags & TC_MESSAGE_ITEM_CONTINUED) ? 2 : 10);
  /* A message jumped to glows for a moment (see style.css). */
  if (flags & TC_MESSAGE_ITEM_HIGHLIGHTED)
    gtk_widget_add_css_class (GTK_WIDGET (self->bubble), "highlighted");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->bubble), "highlighted");

  show_message (self);
}

/**
 * tc_message_row_set_item:
 * @self: a message row
 * @item: (nullable): the item to show
 *
 * Shows @item, and updates the row in place when it changes, so that a
 * text selection or the keyboard focus survive a change of state.
 */
void
tc_message_row_set_item (TcMessageRow  *self,
                         TcMessageItem *item)
{
  g_return_if_fail (TC_IS_MESSAGE_ROW (self));
  g_return_if_fail (item == NULL || TC_IS_MESSAGE_ITEM (item));

  if (self->item == item)
    return;
  if (self->item != NULL)
    g_clear_signal_handler (&self->changed_id, self->item);
  g_set_object (&self->item, item);
  if (item != NULL)
    self->changed_id = g_signal_connect_object (item, "changed", G_CALLBACK (update), self,
                                                G_CONNECT_SWAPPED);
  update (self);
}

/**
 * tc_message_row_set_media_cache:
 * @self: a message row
 * @cache: (nullable): where attachment cards download to
 */
void
tc_message_row_set_media_cache (TcMessageRow *self,
                                TcMediaCache *cache)
{
  g_return_if_fail (TC_IS_MESSAGE_ROW (self));
  g_return_if_fail (cache == NULL || TC_IS_MEDIA_CACHE (cache));

  if (self->media_cache == cache)
    return;
  g_set_object (&self->media_cache, cache);
  /* The cards are made again with it. */
  g_clear_pointer (&self->shown_attachments, g_ptr_array_unref);
  if (self->message != NULL)
    show_attachments (self, self->message->message->attachments);
}

TcMessageItem *
tc_message_row_get_item (TcMessageRow *self)
{
  g_return_val_if_fail (TC_IS_MESSAGE_ROW (self), NULL);
  return self->item;
}

static void
tc_message_row_dispose (GObject *object)
{
  TcMessageRow *self = TC_MESSAGE_ROW (object);

  if (self->item != NULL)
    g_clear_signal_handler (&self->changed_id, self->item);
  g_clear_object (&self->item);
  g_clear_object (&self->media_cache);
  g_clear_pointer (&self->shown_attachments, g_ptr_array_unref);
  self->message = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), TC_TYPE_MESSAGE_ROW);

  G_OBJECT_CLASS (tc_message_row_parent_class)->dispose (object);
}

static void
tc_message_row_class_init (TcMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tc_message_row_dispose;

  g_type_ensure (TC_TYPE_BUBBLE_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/teamchat/TeamChat/tc-message-row.ui");
  /* Read out as one message: who, when, what, and its state. */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, day_label);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, placeholder);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, column);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, bubble_line);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, bubble);
  gtk_widget_class_bind_template_child (widget_class, TcMessageRow, attachments_box);
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
