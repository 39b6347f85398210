/* tc-bubble-layout.c: places a message bubble at the start or end of its
 * line, as wide as its text wants and no wider than the line
 *
 * For the layout of one child (placed by its halign) in a message row.
 * Its height is measured for the width the child will really get: its
 * natural width, at most the line's. A wrapped label placed by a box
 * beside a spacer was measured for its width at each height the box
 * offered (a search over many widths of the label, each one laid out):
 * two seconds for the 200 rows a GtkListView keeps, each time a long
 * conversation was opened. Placed by halign directly, it was measured for
 * the full width and drawn narrower, so taller than measured.
 */
#include "config.h"

#include "tc-bubble-layout.h"

struct _TcBubbleLayout
{
  GtkLayoutManager parent_instance;
};

G_DEFINE_FINAL_TYPE (TcBubbleLayout, tc_bubble_layout, GTK_TYPE_LAYOUT_MANAGER)

static GtkSizeRequestMode
tc_bubble_layout_get_request_mode (GtkLayoutManager *manager,
                                   GtkWidget        *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

/* The width @child gets in a line @for_width wide (-1: any). */
static int
child_width (GtkWidget *child,
             int        for_width)
{
  int minimum = 0, natural = 0;

  gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, &natural, NULL, NULL);
  if (for_width < 0)
    return natural;
  return MAX (minimum, MIN (natural, for_width));
}

static void
tc_bubble_layout_measure (GtkLayoutManager *manager,
                          GtkWidget        *widget,
                          GtkOrientation    orientation,
                          int               for_size,
                          int              *minimum,
                          int              *natural,
                          int              *minimum_baseline,
                          int              *natural_baseline)
{
  *minimum = *natural = 0;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      int child_minimum = 0, child_natural = 0;

      if (!gtk_widget_should_layout (child))
        continue;
      if (orientation == GTK_ORIENTATION_HORIZONTAL)
        gtk_widget_measure (child, orientation, -1, &child_minimum, &child_natural, NULL, NULL);
      else
        gtk_widget_measure (child, orientation, child_width (child, for_size), &child_minimum,
                            &child_natural, NULL, NULL);
      *minimum = MAX (*minimum, child_minimum);
      *natural = MAX (*natural, child_natural);
    }
}

static void
tc_bubble_layout_allocate (GtkLayoutManager *manager,
                           GtkWidget        *widget,
                           int               width,
                           int               height,
                           int               baseline)
{
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkAlign align = gtk_widget_get_halign (child);
      gboolean at_end = (align == GTK_ALIGN_END) != rtl;
      int w;
      GskTransform *transform;

      if (!gtk_widget_should_layout (child))
        continue;
      w = MIN (child_width (child, width), width);
      transform = gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (at_end ? width - w : 0, 0));
      gtk_widget_allocate (child, w, height, -1, transform);
    }
}

static void
tc_bubble_layout_class_init (TcBubbleLayoutClass *klass)
{
  GtkLayoutManagerClass *manager_class = GTK_LAYOUT_MANAGER_CLASS (klass);

  manager_class->get_request_mode = tc_bubble_layout_get_request_mode;
  manager_class->measure = tc_bubble_layout_measure;
  manager_class->allocate = tc_bubble_layout_allocate;
}

static void
tc_bubble_layout_init (TcBubbleLayout *self)
{
}

GtkLayoutManager *
tc_bubble_layout_new (void)
{
  return g_object_new (TC_TYPE_BUBBLE_LAYOUT, NULL);
}
