/* tc-bubble-layout.h: places a message bubble at the start or end of its
 * line, as wide as its text wants and no wider than the line */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TC_TYPE_BUBBLE_LAYOUT (tc_bubble_layout_get_type ())
G_DECLARE_FINAL_TYPE (TcBubbleLayout, tc_bubble_layout, TC, BUBBLE_LAYOUT, GtkLayoutManager)

GtkLayoutManager *tc_bubble_layout_new (void);

G_END_DECLS
