/* tc-tail-model.h: the newest items of a list model, more on request
 *
 * A conversation opens at its newest message, and GTK 4.8's list view
 * makes and measures a row for up to 200 items of its model whatever the
 * window shows: for a long conversation, a frame of 80–230 ms before the
 * messages appear. A TcTailModel shows its model from a start position to
 * the end, at first only the last few items; the view asks for more as a
 * person scrolls up (tc_tail_model_show_more()) or jumps to an older
 * message (tc_tail_model_show_position()).
 *
 * Changes of the model at or after the start are passed on; items added
 * before the start stay hidden (the start moves with them); a change that
 * reaches over the start moves the start to where it begins. New items
 * at the end are always shown.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TC_TYPE_TAIL_MODEL (tc_tail_model_get_type ())
G_DECLARE_FINAL_TYPE (TcTailModel, tc_tail_model, TC, TAIL_MODEL, GObject)

/* Shows the last @n_first items of @model (all of them when it has
 * fewer) — also when @model goes from empty to loaded. */
TcTailModel *tc_tail_model_new           (GListModel  *model,
                                          guint        n_first);
GListModel  *tc_tail_model_get_model     (TcTailModel *self);
/* The position in the model of the first item shown: the number of items
 * hidden before it. */
guint        tc_tail_model_get_start     (TcTailModel *self);
/* Shows up to @n more items before the first one; returns how many. */
guint        tc_tail_model_show_more     (TcTailModel *self,
                                          guint        n);
/* Shows the model's item at @position (and what is between it and the
 * end); returns its position in @self, or G_MAXUINT when the model has no
 * such position. */
guint        tc_tail_model_show_position (TcTailModel *self,
                                          guint        position);

G_END_DECLS
