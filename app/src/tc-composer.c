/* tc-composer.c: where a message is typed — text, attachments, Send
 *
 * "Type a Message" placeholder, Enter (or Ctrl+Enter) sends, Shift+Enter
 * starts a new line, a counter near the 4,000-character limit of API.md
 * (characters as the server counts them), and a Send button. The paper
 * clip opens the attachment browser; what is picked shows as chips above
 * the text, each with a remove button, at most TC_MESSAGE_MAX_ATTACHMENTS.
 * Emits "send" with the trimmed text when a person sends (text, files or
 * both); whoever listens takes tc_composer_get_attachments() with it, keeps
 * the message and clears the composer. Used by conversations and New Chat.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-attachment-browser.h"
#include "tc-chip.h"
#include "tc-composer.h"
#include "tc-media-preview.h"
#include "tc-message.h"

struct _TcComposer
{
  AdwBin       parent_instance;

  /* template widgets */
  GtkTextView *text_view;
  GtkLabel    *placeholder_label;
  GtkLabel    *counter_label;
  GtkLabel    *offline_note;
  GtkFlowBox  *attachments_box;
  GtkLabel    *limit_label;
  GtkButton   *attach_button;

  TcAccount   *account;       /* nullable: nothing to attach from */
  GPtrArray   *attachments;   /* of TcResource, in the order picked */
  gboolean     can_send;
  gboolean     preedit;
};

G_DEFINE_FINAL_TYPE (TcComposer, tc_composer, ADW_TYPE_BIN)

enum {
  SEND,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

char *
tc_composer_get_text (TcComposer *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (TC_IS_COMPOSER (self), NULL);

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

void
tc_composer_set_text (TcComposer *self,
                      const char *text)
{
  g_return_if_fail (TC_IS_COMPOSER (self));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text ? text : "", -1);
}

static gboolean
is_blank (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

gboolean
tc_composer_has_message (TcComposer *self)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (TC_IS_COMPOSER (self), FALSE);

  text = tc_composer_get_text (self);
  /* Files alone make a message; text alone too; never too long a text. */
  return (!is_blank (text) || self->attachments->len > 0) &&
         g_utf8_strlen (text, -1) <= TC_MESSAGE_MAX_BODY_CHARS;
}

static void
update (TcComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  int n_chars = gtk_text_buffer_get_char_count (buffer);
  int remaining = TC_MESSAGE_MAX_BODY_CHARS - n_chars;

  gtk_widget_set_visible (GTK_WIDGET (self->placeholder_label), n_chars == 0);

  gtk_widget_set_visible (GTK_WIDGET (self->counter_label),
                          remaining < TC_COMPOSER_COUNTER_THRESHOLD);
  if (remaining < TC_COMPOSER_COUNTER_THRESHOLD)
    {
      g_autofree char *count = g_strdup_printf ("%'d", remaining);
      g_autofree char *sentence = NULL;

      if (remaining >= 0)
        sentence = g_strdup_printf (ngettext ("%'d character left", "%'d characters left", remaining),
                                    remaining);
      else
        sentence = g_strdup_printf (ngettext ("%'d character too many", "%'d characters too many",
                                              -remaining),
                                    -remaining);
      gtk_label_set_text (self->counter_label, count);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->counter_label), sentence);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->counter_label),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, sentence, -1);
      if (remaining < 0)
        {
          gtk_widget_add_css_class (GTK_WIDGET (self->counter_label), "error");
          gtk_widget_remove_css_class (GTK_WIDGET (self->counter_label), "dim-label");
        }
      else
        {
          gtk_widget_remove_css_class (GTK_WIDGET (self->counter_label), "error");
          gtk_widget_add_css_class (GTK_WIDGET (self->counter_label), "dim-label");
        }
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send",
                                 self->can_send && tc_composer_has_message (self));
}

/* --- attachments ------------------------------------------------------------------ */

static void show_attachments (TcComposer *self);

static void
on_remove_attachment_cb (GtkButton  *button,
                         TcComposer *self)
{
  const char *id = tc_chip_get_id (button);

  for (guint i = 0; i < self->attachments->len; i++)
    if (g_strcmp0 (((TcResource *) g_ptr_array_index (self->attachments, i))->id, id) == 0)
      {
        g_ptr_array_remove_index (self->attachments, i);
        break;
      }
  /* The button goes with its chip: focus the text, not nowhere. */
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
  show_attachments (self);
}

static void
show_attachments (TcComposer *self)
{
  guint n = self->attachments->len;
  gboolean full = n >= TC_MESSAGE_MAX_ATTACHMENTS;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->attachments_box))) != NULL)
    gtk_flow_box_remove (self->attachments_box, child);
  for (guint i = 0; i < n; i++)
    {
      const TcResource *resource = g_ptr_array_index (self->attachments, i);
      GtkWidget *icon = tc_media_preview_new (16);

      tc_media_preview_set_resource (TC_MEDIA_PREVIEW (icon), NULL, resource);
      gtk_flow_box_append (self->attachments_box,
                           tc_chip_new (icon, resource->title, resource->id,
                                        G_CALLBACK (on_remove_attachment_cb), self));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->attachments_box), n > 0);

  /* At the limit, say why Attach does nothing more (a tooltip is not
   * enough: a disabled button is easily passed by). */
  gtk_widget_set_visible (GTK_WIDGET (self->limit_label), full);
  if (full)
    {
      g_autofree char *why =
        g_strdup_printf (ngettext ("A message can carry at most %d file. Remove one to attach another.",
                                   "A message can carry at most %d files. Remove one to attach another.",
                                   TC_MESSAGE_MAX_ATTACHMENTS),
                         TC_MESSAGE_MAX_ATTACHMENTS);

      gtk_label_set_text (self->limit_label, why);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->attach_button), why);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->attach_button),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, why, -1);
    }
  else
    {
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->attach_button),
                                   _("Attach files from Documents and Media"));
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self->attach_button),
                                     GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.attach",
                                 self->account != NULL && !full);
  update (self);
}

/**
 * tc_composer_get_attachments:
 * @self: a composer
 *
 * Returns: (transfer none) (element-type TcResource): the files attached,
 *   in the order they were picked
 */
GPtrArray *
tc_composer_get_attachments (TcComposer *self)
{
  g_return_val_if_fail (TC_IS_COMPOSER (self), NULL);
  return self->attachments;
}

/**
 * tc_composer_add_attachments:
 * @self: a composer
 * @resources: (element-type TcResource): files to attach
 *
 * Adds those not attached yet, up to %TC_MESSAGE_MAX_ATTACHMENTS in all.
 */
void
tc_composer_add_attachments (TcComposer *self,
                             GPtrArray  *resources)
{
  g_return_if_fail (TC_IS_COMPOSER (self));

  for (guint i = 0; resources != NULL && i < resources->len; i++)
    {
      const TcResource *resource = g_ptr_array_index (resources, i);
      gboolean known = FALSE;

      for (guint j = 0; j < self->attachments->len && !known; j++)
        known = g_strcmp0 (((TcResource *) g_ptr_array_index (self->attachments, j))->id,
                           resource->id) == 0;
      if (!known && self->attachments->len < TC_MESSAGE_MAX_ATTACHMENTS)
        g_ptr_array_add (self->attachments, tc_resource_copy (resource));
    }
  show_attachments (self);
}

/**
 * tc_composer_set_attachments:
 * @self: a composer
 * @resources: (nullable) (element-type TcResource): the files attached
 *   from now on (a draft's), or %NULL for none
 */
void
tc_composer_set_attachments (TcComposer *self,
                             GPtrArray  *resources)
{
  g_return_if_fail (TC_IS_COMPOSER (self));

  g_ptr_array_set_size (self->attachments, 0);
  tc_composer_add_attachments (self, resources);
}

void
tc_composer_clear (TcComposer *self)
{
  g_return_if_fail (TC_IS_COMPOSER (self));

  tc_composer_set_attachments (self, NULL);
  tc_composer_set_text (self, NULL);
}

void
tc_composer_set_account (TcComposer *self,
                         TcAccount  *account)
{
  g_return_if_fail (TC_IS_COMPOSER (self));
  g_return_if_fail (account == NULL || TC_IS_ACCOUNT (account));

  g_set_object (&self->account, account);
  show_attachments (self);
}

static void
on_browser_attach_cb (TcComposer *self,
                      GPtrArray  *resources)
{
  tc_composer_add_attachments (self, resources);
  tc_composer_focus (self);
}

static void
attach_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TcComposer *self = TC_COMPOSER (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  TcAttachmentBrowser *browser;

  if (self->account == NULL || !tc_account_is_logged_in (self->account) ||
      self->attachments->len >= TC_MESSAGE_MAX_ATTACHMENTS)
    return;
  browser = tc_attachment_browser_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                       self->account,
                                       TC_MESSAGE_MAX_ATTACHMENTS - self->attachments->len);
  g_signal_connect_object (browser, "attach", G_CALLBACK (on_browser_attach_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (browser));
}

void
tc_composer_set_can_send (TcComposer *self,
                          gboolean    can_send)
{
  g_return_if_fail (TC_IS_COMPOSER (self));

  self->can_send = can_send;
  update (self);
}

/* The disclaimer of the issue, for one name or several. */
char *
tc_composer_offline_note_text (const char * const *names)
{
  guint n = names != NULL ? g_strv_length ((char **) names) : 0;
  g_autoptr(GString) list = NULL;

  if (n == 0)
    return NULL;
  if (n == 1)
    /* TRANSLATORS: %s is the name of a team member who is offline */
    return g_strdup_printf (_("%s is not currently online and will receive this chat message via text or email according to their preference."),
                            names[0]);
  list = g_string_new (names[0]);
  for (guint i = 1; i < n; i++)
    {
      /* TRANSLATORS: what separates names in a list, "Ana, Bo, Cy" */
      g_string_append (list, C_("list separator", ", "));
      g_string_append (list, names[i]);
    }
  /* TRANSLATORS: %s is a list of names of team members who are offline */
  return g_strdup_printf (_("%s are not currently online and will receive this chat message via text or email according to their preferences."),
                          list->str);
}

void
tc_composer_set_offline_names (TcComposer         *self,
                               const char * const *names)
{
  g_autofree char *text = NULL;

  g_return_if_fail (TC_IS_COMPOSER (self));

  text = tc_composer_offline_note_text (names);
  gtk_label_set_text (self->offline_note, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->offline_note), text != NULL);
}

void
tc_composer_focus (TcComposer *self)
{
  g_return_if_fail (TC_IS_COMPOSER (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

static gboolean
send (TcComposer *self)
{
  g_autofree char *text = tc_composer_get_text (self);
  gboolean handled = FALSE;

  if (!self->can_send || !tc_composer_has_message (self))
    {
      gtk_widget_error_bell (GTK_WIDGET (self->text_view));
      return FALSE;
    }
  g_signal_emit (self, signals[SEND], 0, g_strstrip (text), &handled);
  return handled;
}

static void
send_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  send (TC_COMPOSER (widget));
}

static gboolean
on_key_pressed_cb (TcComposer            *self,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   GtkEventControllerKey *controller)
{
  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return GDK_EVENT_PROPAGATE;
  /* While an input method composes, Enter is for it. */
  if (self->preedit)
    return GDK_EVENT_PROPAGATE;

  state &= gtk_accelerator_get_default_mod_mask ();
  /* Shift+Enter: a new line. Enter or Ctrl+Enter: send. */
  if (state != 0 && state != GDK_CONTROL_MASK)
    return GDK_EVENT_PROPAGATE;
  send (self);
  return GDK_EVENT_STOP;
}

static void
on_preedit_changed_cb (TcComposer *self,
                       const char *preedit)
{
  self->preedit = preedit != NULL && *preedit != '\0';
}

static void
tc_composer_dispose (GObject *object)
{
  TcComposer *self = TC_COMPOSER (object);

  g_clear_object (&self->account);
  gtk_widget_dispose_template (GTK_WIDGET (object), TC_TYPE_COMPOSER);

  G_OBJECT_CLASS (tc_composer_parent_class)->dispose (object);
}

static void
tc_composer_finalize (GObject *object)
{
  TcComposer *self = TC_COMPOSER (object);

  g_clear_pointer (&self->attachments, g_ptr_array_unref);

  G_OBJECT_CLASS (tc_composer_parent_class)->finalize (object);
}

static void
tc_composer_class_init (TcComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tc_composer_dispose;
  object_class->finalize = tc_composer_finalize;

  /**
   * TcComposer::send:
   * @text: what was typed, trimmed
   *
   * Returns: %TRUE when the message was taken (the composer is then
   *   cleared by whoever took it)
   */
  signals[SEND] =
    g_signal_new ("send", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/teamchat/TeamChat/tc-composer.ui");
  gtk_widget_class_bind_template_child (widget_class, TcComposer, text_view);
  gtk_widget_class_bind_template_child (widget_class, TcComposer, placeholder_label);
  gtk_widget_class_bind_template_child (widget_class, TcComposer, counter_label);
  gtk_widget_class_bind_template_child (widget_class, TcComposer, offline_note);
  gtk_widget_class_bind_template_child (widget_class, TcComposer, attachments_box);
  gtk_widget_class_bind_template_child (widget_class, TcComposer, limit_label);
  gtk_widget_class_bind_template_child (widget_class, TcComposer, attach_button);
  gtk_widget_class_bind_template_callback (widget_class, on_preedit_changed_cb);
  gtk_widget_class_install_action (widget_class, "composer.send", NULL, send_activated);
  gtk_widget_class_install_action (widget_class, "composer.attach", NULL, attach_activated);
}

static void
tc_composer_init (TcComposer *self)
{
  GtkEventController *keys;

  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) tc_resource_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  self->can_send = TRUE;

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_key_pressed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), keys);
  g_signal_connect_object (gtk_text_view_get_buffer (self->text_view), "changed",
                           G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  show_attachments (self);
}
