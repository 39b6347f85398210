/* tc-attachment-card.c: a file attached to a message, in the conversation
 *
 * Its thumbnail or type icon, title, type and size. Activating it
 * downloads the file into the cache (a progress bar and a cancel button
 * while it comes; resumable, checked against its SHA-256; see
 * TcDownload) and opens it with the desktop's default application;
 * "Save As…" exports a copy. What the download is doing lives in the
 * shared TcDownload, so a card scrolled away and back shows it still.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tc-attachment-card.h"
#include "tc-media-describe.h"
#include "tc-media-preview.h"

struct _TcAttachmentCard
{
  AdwBin                parent_instance;

  /* template widgets */
  GtkButton            *open_button;
  TcMediaPreview       *preview;
  GtkLabel             *title_label;
  GtkLabel             *detail_label;
  GtkProgressBar       *progress_bar;
  GtkLabel             *error_label;
  GtkButton            *cancel_button;
  GtkButton            *save_button;

  /* owned */
  TcMediaCache         *cache;         /* nullable */
  TcResource           *resource;
  TcDownload           *download;      /* nullable without a cache */
  GCancellable         *cancellable;   /* this card's waits and copies */
  GtkFileChooserNative *chooser;       /* Save As…, while open */
  gboolean              opening;       /* open when the download is done */
};

G_DEFINE_FINAL_TYPE (TcAttachmentCard, tc_attachment_card, ADW_TYPE_BIN)

static void
toast (TcAttachmentCard *self,
       const char       *text)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", text);
}

static GtkWindow *
parent_window (TcAttachmentCard *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

/* --- what it shows ------------------------------------------------------------------ */

static void
update (TcAttachmentCard *self)
{
  TcDownloadState state = self->download != NULL ? tc_download_get_state (self->download)
                                                 : TC_DOWNLOAD_IDLE;
  gboolean running = state == TC_DOWNLOAD_RUNNING;
  g_autofree char *detail = tc_media_describe_detail (self->resource);

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), running);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), running);
  if (running)
    {
      double fraction = tc_download_get_fraction (self->download);
      /* TRANSLATORS: under an attachment coming in; %d is how much came, in percent */
      g_autofree char *text = g_strdup_printf (_("Downloading… %d %%"), (int) (fraction * 100));

      gtk_progress_bar_set_fraction (self->progress_bar, fraction);
      gtk_label_set_text (self->detail_label, text);
    }
  else
    gtk_label_set_text (self->detail_label, detail);

  gtk_widget_set_visible (GTK_WIDGET (self->error_label), state == TC_DOWNLOAD_FAILED);
  if (state == TC_DOWNLOAD_FAILED)
    {
      g_autofree char *sentence =
        tc_media_cache_describe_error (tc_download_get_error (self->download));

      gtk_label_set_text (self->error_label, sentence);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->open_button),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, sentence, -1);
    }
  else
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->open_button),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                    running ? gtk_label_get_text (self->detail_label) : detail, -1);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "card.open", self->download != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "card.save-as", self->download != NULL);
}

/* --- open --------------------------------------------------------------------------- */

static void
shown_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TcAttachmentCard) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* TRANSLATORS: %s is the file's title; then why it could not be opened */
      g_autofree char *text = g_strdup_printf (_("No application could open “%s”. Use Save As… to keep a copy, then open it from there."),
                                               self->resource->title);

      g_warning ("Could not open an attachment: %s", error->message);
      toast (self, text);
    }
}

static void
launch (TcAttachmentCard *self,
        const char       *path)
{
  g_autofree char *uri = NULL;
  GtkWindow *window = parent_window (self);

  if (g_getenv (TC_ATTACHMENT_CARD_NO_LAUNCH_ENV) != NULL)
    {
      g_message ("%s is set: not opening %s", TC_ATTACHMENT_CARD_NO_LAUNCH_ENV, path);
      return;
    }
  uri = g_filename_to_uri (path, NULL, NULL);
  if (uri == NULL || window == NULL)
    return;
  gtk_show_uri_full (window, uri, GDK_CURRENT_TIME, self->cancellable, shown_cb,
                     g_object_ref (self));
}

static void
fetched_to_open_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(TcAttachmentCard) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tc_download_fetch_finish (TC_DOWNLOAD (source), result, &error);

  self->opening = FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the card went away, or the person cancelled */
  /* A failure shows on the card (the download's state). */
  if (path != NULL)
    launch (self, path);
}

static void
open_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TcAttachmentCard *self = TC_ATTACHMENT_CARD (widget);

  if (self->download == NULL || self->opening)
    return;
  self->opening = TRUE;
  tc_download_fetch_async (self->download, self->cancellable, fetched_to_open_cb,
                           g_object_ref (self));
}

static void
cancel_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TcAttachmentCard *self = TC_ATTACHMENT_CARD (widget);

  if (self->download != NULL)
    tc_download_cancel (self->download);
}

/* --- save as ------------------------------------------------------------------------ */

typedef struct {
  TcAttachmentCard *self;
  GFile            *destination;
} Save;

static void
save_free (Save *save)
{
  g_object_unref (save->self);
  g_object_unref (save->destination);
  g_free (save);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Save, save_free)

static void
copied_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Save) save = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *name = g_file_get_basename (save->destination);

  if (!g_file_copy_finish (G_FILE (source), result, &error))
    {
      g_autofree char *sentence = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      sentence = tc_media_cache_describe_error (error);
      toast (save->self, sentence);
      return;
    }
  /* TRANSLATORS: %s is the name of the file saved */
  text = g_strdup_printf (_("Saved “%s”"), name);
  toast (save->self, text);
}

static void
fetched_to_save_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(Save) save = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tc_download_fetch_finish (TC_DOWNLOAD (source), result, &error);
  g_autoptr(GFile) file = NULL;
  GFile *destination;
  GCancellable *cancellable;

  if (path == NULL)
    return;   /* cancelled, or the card shows why */
  file = g_file_new_for_path (path);
  destination = save->destination;
  cancellable = save->self->cancellable;
  /* Not save->destination among the arguments: the order in which C
   * evaluates them is unspecified, and g_steal_pointer() may clear save
   * first (it did: Save As crashed). */
  g_file_copy_async (file, destination, G_FILE_COPY_OVERWRITE, G_PRIORITY_DEFAULT, cancellable,
                     NULL, NULL, copied_cb, g_steal_pointer (&save));
}

static void
on_chooser_response_cb (GtkNativeDialog  *dialog,
                        int               response,
                        TcAttachmentCard *self)
{
  g_autoptr(GFile) destination = NULL;
  Save *save;

  if (response == GTK_RESPONSE_ACCEPT)
    destination = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  gtk_native_dialog_destroy (dialog);
  g_clear_object (&self->chooser);
  if (destination == NULL || self->download == NULL)
    return;
  save = g_new0 (Save, 1);
  save->self = g_object_ref (self);
  save->destination = g_steal_pointer (&destination);
  tc_download_fetch_async (self->download, self->cancellable, fetched_to_save_cb, save);
}

static void
save_as_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  TcAttachmentCard *self = TC_ATTACHMENT_CARD (widget);
  g_autofree char *name = NULL;

  if (self->download == NULL || self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Save a Copy"), parent_window (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  name = tc_media_cache_file_name (self->resource);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (on_chooser_response_cb), self,
                           0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* --- public ------------------------------------------------------------------------- */

/**
 * tc_attachment_card_new:
 * @cache: (nullable): where the file is downloaded to
 * @resource: the attached resource
 *
 * Returns: (transfer floating): a card for @resource
 */
GtkWidget *
tc_attachment_card_new (TcMediaCache     *cache,
                        const TcResource *resource)
{
  TcAttachmentCard *self;
  g_autofree char *open_label = NULL;
  g_autofree char *save_label = NULL;
  g_autofree char *cancel_label = NULL;

  g_return_val_if_fail (cache == NULL || TC_IS_MEDIA_CACHE (cache), NULL);
  g_return_val_if_fail (resource != NULL, NULL);

  self = g_object_new (TC_TYPE_ATTACHMENT_CARD, NULL);
  self->resource = tc_resource_copy (resource);
  if (cache != NULL)
    {
      self->cache = g_object_ref (cache);
      self->download = tc_media_cache_get_download (cache, resource);
      g_signal_connect_object (self->download, "notify::state", G_CALLBACK (update), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->download, "notify::fraction", G_CALLBACK (update), self,
                               G_CONNECT_SWAPPED);
    }
  tc_media_preview_set_resource (self->preview, cache, resource);
  gtk_label_set_text (self->title_label, resource->title);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title_label), resource->title);

  /* TRANSLATORS: the button of an attachment card; %s is the file's title */
  open_label = g_strdup_printf (_("Open %s"), resource->title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->open_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, open_label, -1);
  /* TRANSLATORS: %s is the title of an attached file */
  save_label = g_strdup_printf (_("Save a copy of %s"), resource->title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->save_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, save_label, -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->save_button), _("Save As…"));
  /* TRANSLATORS: %s is the title of a file being downloaded */
  cancel_label = g_strdup_printf (_("Cancel download of %s"), resource->title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->cancel_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, cancel_label, -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->cancel_button), _("Cancel Download"));
  update (self);
  return GTK_WIDGET (self);
}

const TcResource *
tc_attachment_card_get_resource (TcAttachmentCard *self)
{
  g_return_val_if_fail (TC_IS_ATTACHMENT_CARD (self), NULL);
  return self->resource;
}

static void
tc_attachment_card_dispose (GObject *object)
{
  TcAttachmentCard *self = TC_ATTACHMENT_CARD (object);

  /* The download goes on for whoever shows the file next. */
  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  g_clear_object (&self->download);
  g_clear_object (&self->cache);
  gtk_widget_dispose_template (GTK_WIDGET (self), TC_TYPE_ATTACHMENT_CARD);

  G_OBJECT_CLASS (tc_attachment_card_parent_class)->dispose (object);
}

static void
tc_attachment_card_finalize (GObject *object)
{
  TcAttachmentCard *self = TC_ATTACHMENT_CARD (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->resource, tc_resource_free);

  G_OBJECT_CLASS (tc_attachment_card_parent_class)->finalize (object);
}

static void
tc_attachment_card_class_init (TcAttachmentCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tc_attachment_card_dispose;
  object_class->finalize = tc_attachment_card_finalize;

  g_type_ensure (TC_TYPE_MEDIA_PREVIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/teamchat/TeamChat/tc-attachment-card.ui");
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentCard, open_button);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentCard, preview);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentCard, title_label);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentCard, detail_label);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentCard, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentCard, error_label);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentCard, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TcAttachmentCard, save_button);

  gtk_widget_class_install_action (widget_class, "card.open", NULL, open_activated);
  gtk_widget_class_install_action (widget_class, "card.cancel", NULL, cancel_activated);
  gtk_widget_class_install_action (widget_class, "card.save-as", NULL, save_as_activated);
}

static void
tc_attachment_card_init (TcAttachmentCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}
