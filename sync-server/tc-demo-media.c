/* tc-demo-media.c: the demo Documents and Media library of `seed-demo`
 *
 * Small real files, made here rather than kept in the repository: each one
 * opens in the program the desktop picks for its type. Everything is
 * deterministic so that a re-seed imports as "unchanged".
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "tc-demo-media.h"
#include "tc-error.h"

/* --- PDF ------------------------------------------------------------------------ */

static void
pdf_escape (GString    *out,
            const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '(' || *p == ')' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
}

/* A one-page PDF: @title large, then @lines (ASCII) in Helvetica. */
static GBytes *
make_pdf (const char         *title,
          const char * const *lines)
{
  g_autoptr(GString) content = g_string_new (NULL);
  g_autoptr(GString) pdf = g_string_new ("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
  g_autoptr(GArray) offsets = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func (g_free);
  gsize xref;

  g_string_append (content, "BT\n/F2 26 Tf\n72 740 Td\n(");
  pdf_escape (content, title);
  g_string_append (content, ") Tj\n/F1 13 Tf\n18 TL\n0 -14 Td\n");
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_string_append (content, "T* (");
      pdf_escape (content, lines[i]);
      g_string_append (content, ") Tj\n");
    }
  g_string_append (content, "ET\n");

  g_ptr_array_add (objects, g_strdup ("<< /Type /Catalog /Pages 2 0 R >>"));
  g_ptr_array_add (objects, g_strdup ("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"));
  g_ptr_array_add (objects, g_strdup ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                         "/Resources << /Font << "
                         "/F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> "
                         "/F2 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >> >> >> "
                         "/Contents 4 0 R >>"));
  g_ptr_array_add (objects, g_strdup_printf ("<< /Length %" G_GSIZE_FORMAT " >>\nstream\n%s\nendstream",
                                             content->len, content->str));

  for (guint i = 0; i < objects->len; i++)
    {
      gsize offset = pdf->len;

      g_array_append_val (offsets, offset);
      g_string_append_printf (pdf, "%u 0 obj\n%s\nendobj\n", i + 1,
                              (const char *) g_ptr_array_index (objects, i));
    }
  xref = pdf->len;
  g_string_append_printf (pdf, "xref\n0 %u\n0000000000 65535 f \n", offsets->len + 1);
  for (guint i = 0; i < offsets->len; i++)
    g_string_append_printf (pdf, "%010" G_GSIZE_FORMAT " 00000 n \n",
                            g_array_index (offsets, gsize, i));
  g_string_append_printf (pdf, "trailer\n<< /Size %u /Root 1 0 R >>\nstartxref\n%" G_GSIZE_FORMAT
                          "\n%%%%EOF\n", offsets->len + 1, xref);
  return g_bytes_new (pdf->str, pdf->len);
}

/* --- pictures --------------------------------------------------------------------- */

typedef struct {
  guint8 r, g, b;
} Rgb;

/* A soft two-colour gradient with a rounded "product" shape in front. */
static GdkPixbuf *
make_picture (int  width,
              int  height,
              Rgb  top,
              Rgb  bottom,
              Rgb  shape,
              int  shape_shift)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  double cx = width / 2.0 + shape_shift, cy = height * 0.55;
  double rx = width * 0.16, ry = height * 0.32;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + y * stride + x * 3;
        double t = (double) y / (height - 1);
        double dx = (x - cx) / rx, dy = (y - cy) / ry;
        /* A bottle: a rounded body and a narrow neck on top. */
        gboolean body = dx * dx * dx * dx + dy * dy * dy * dy <= 1.0;
        gboolean neck = ABS (x - cx) < rx * 0.35 && y > cy - ry * 1.45 && y <= cy - ry * 0.9;

        if (body || neck)
          {
            double shade = 0.8 + 0.2 * (1.0 - ABS (dx));
            p[0] = (guint8) (shape.r * shade);
            p[1] = (guint8) (shape.g * shade);
            p[2] = (guint8) (shape.b * shade);
          }
        else
          {
            p[0] = (guint8) (top.r + (bottom.r - top.r) * t);
            p[1] = (guint8) (top.g + (bottom.g - top.g) * t);
            p[2] = (guint8) (top.b + (bottom.b - top.b) * t);
          }
      }
  return pixbuf;
}

static GBytes *
encode_picture (GdkPixbuf   *pixbuf,
                const char  *type,
                GError     **error)
{
  gchar *data = NULL;
  gsize len = 0;
  gboolean ok;

  if (g_str_equal (type, "jpeg"))
    ok = gdk_pixbuf_save_to_buffer (pixbuf, &data, &len, "jpeg", error, "quality", "85", NULL);
  else
    ok = gdk_pixbuf_save_to_buffer (pixbuf, &data, &len, type, error, NULL);
  return ok ? g_bytes_new_take (data, len) : NULL;
}

/* --- video: Motion-JPEG in AVI ----------------------------------------------------------- */

static void
put_u32 (GByteArray *out,
         guint32     value)
{
  guint8 b[4] = { value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >> 24) & 0xff };
  g_byte_array_append (out, b, 4);
}

static void
put_u16 (GByteArray *out,
         guint16     value)
{
  guint8 b[2] = { value & 0xff, (value >> 8) & 0xff };
  g_byte_array_append (out, b, 2);
}

static void
put_fourcc (GByteArray *out,
            const char *fourcc)
{
  g_byte_array_append (out, (const guint8 *) fourcc, 4);
}

static void
set_u32 (GByteArray *out,
         guint       at,
         guint32     value)
{
  out->data[at] = value & 0xff;
  out->data[at + 1] = (value >> 8) & 0xff;
  out->data[at + 2] = (value >> 16) & 0xff;
  out->data[at + 3] = (value >> 24) & 0xff;
}

/* Starts a chunk or list; returns where its size goes. */
static guint
begin_chunk (GByteArray *out,
             const char *fourcc,
             const char *list_type)
{
  guint at;

  put_fourcc (out, fourcc);
  at = out->len;
  put_u32 (out, 0);
  if (list_type != NULL)
    put_fourcc (out, list_type);
  return at;
}

static void
end_chunk (GByteArray *out,
           guint       size_at)
{
  set_u32 (out, size_at, out->len - size_at - 4);
  if (out->len % 2 != 0)
    g_byte_array_append (out, (const guint8 *) "", 1);
}

/* @n_frames frames of @width × @height at @fps: a title-card gradient with
 * a bar that sweeps across, like a progress line. */
static GBytes *
make_video (Rgb      from,
            Rgb      to,
            guint    n_frames,
            guint    fps,
            GError **error)
{
  const int width = 320, height = 180;
  g_autoptr(GByteArray) avi = g_byte_array_new ();
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) offsets = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint riff, hdrl, avih, strl, strh, strf, movi, idx1, movi_start;
  guint32 max_frame = 0;

  for (guint i = 0; i < n_frames; i++)
    {
      g_autoptr(GdkPixbuf) frame = make_picture (width, height, from, to, (Rgb) { 250, 250, 245 },
                                                 (int) (i * width / n_frames) - width / 2);
      GBytes *jpeg = encode_picture (frame, "jpeg", error);

      if (jpeg == NULL)
        return NULL;
      max_frame = MAX (max_frame, (guint32) g_bytes_get_size (jpeg));
      g_ptr_array_add (frames, jpeg);
    }

  riff = begin_chunk (avi, "RIFF", "AVI ");
  hdrl = begin_chunk (avi, "LIST", "hdrl");
  avih = begin_chunk (avi, "avih", NULL);
  put_u32 (avi, 1000000 / fps);          /* microseconds per frame */
  put_u32 (avi, max_frame * fps);        /* max bytes per second */
  put_u32 (avi, 0);                      /* padding granularity */
  put_u32 (avi, 0x10);                   /* AVIF_HASINDEX */
  put_u32 (avi, n_frames);
  put_u32 (avi, 0);                      /* initial frames */
  put_u32 (avi, 1);                      /* streams */
  put_u32 (avi, max_frame);
  put_u32 (avi, width);
  put_u32 (avi, height);
  for (guint i = 0; i < 4; i++)
    put_u32 (avi, 0);
  end_chunk (avi, avih);
  strl = begin_chunk (avi, "LIST", "strl");
  strh = begin_chunk (avi, "strh", NULL);
  put_fourcc (avi, "vids");
  put_fourcc (avi, "MJPG");
  put_u32 (avi, 0);                      /* flags */
  put_u16 (avi, 0);                      /* priority */
  put_u16 (avi, 0);                      /* language */
  put_u32 (avi, 0);                      /* initial frames */
  put_u32 (avi, 1);                      /* scale */
  put_u32 (avi, fps);                    /* rate: fps = rate / scale */
  put_u32 (avi, 0);                      /* start */
  put_u32 (avi, n_frames);               /* length */
  put_u32 (avi, max_frame);
  put_u32 (avi, 0xffffffff);             /* quality: default */
  put_u32 (avi, 0);                      /* sample size */
  put_u16 (avi, 0);
  put_u16 (avi, 0);
  put_u16 (avi, width);
  put_u16 (avi, height);
  end_chunk (avi, strh);
  strf = begin_chunk (avi, "strf", NULL);
  put_u32 (avi, 40);                     /* BITMAPINFOHEADER */
  put_u32 (avi, width);
  put_u32 (avi, height);
  put_u16 (avi, 1);                      /* planes */
  put_u16 (avi, 24);                     /* bits per pixel */
  put_fourcc (avi, "MJPG");
  put_u32 (avi, width * height * 3);
  for (guint i = 0; i < 4; i++)
    put_u32 (avi, 0);
  end_chunk (avi, strf);
  end_chunk (avi, strl);
  end_chunk (avi, hdrl);

  movi = begin_chunk (avi, "LIST", "movi");
  movi_start = movi + 4;                 /* index offsets count from the "movi" fourcc */
  for (guint i = 0; i < frames->len; i++)
    {
      GBytes *jpeg = g_ptr_array_index (frames, i);
      guint32 offset = avi->len - movi_start;
      guint chunk;
      gsize len;
      const guint8 *data = g_bytes_get_data (jpeg, &len);

      g_array_append_val (offsets, offset);
      chunk = begin_chunk (avi, "00dc", NULL);
      g_byte_array_append (avi, data, (guint) len);
      end_chunk (avi, chunk);
    }
  end_chunk (avi, movi);

  idx1 = begin_chunk (avi, "idx1", NULL);
  for (guint i = 0; i < frames->len; i++)
    {
      put_fourcc (avi, "00dc");
      put_u32 (avi, 0x10);               /* AVIIF_KEYFRAME */
      put_u32 (avi, g_array_index (offsets, guint32, i));
      put_u32 (avi, (guint32) g_bytes_get_size (g_ptr_array_index (frames, i)));
    }
  end_chunk (avi, idx1);
  end_chunk (avi, riff);

  return g_byte_array_free_to_bytes (g_steal_pointer (&avi));
}

/* --- the library ---------------------------------------------------------------------------- */

static gboolean
write_file (const char  *dir,
            const char  *rel,
            GBytes      *data,
            const char  *description,
            GError     **error)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  gsize len;
  const char *bytes = g_bytes_get_data (data, &len);

  if (g_mkdir_with_parents (parent, 0750) != 0)
    {
      g_set_error (error, TC_ERROR, TC_ERROR_INTERNAL, "cannot create %s", parent);
      return FALSE;
    }
  if (!g_file_set_contents (path, bytes, (gssize) len, error))
    return FALSE;
  if (description != NULL)
    {
      g_autofree char *sidecar = g_strconcat (path, ".description", NULL);

      if (!g_file_set_contents (sidecar, description, -1, error))
        return FALSE;
    }
  return TRUE;
}

static GBytes *
text_bytes (const char *text)
{
  return g_bytes_new_static (text, strlen (text));
}

static const char us_prices[] =
  "sku,product,size,retail_price,member_price,currency\n"
  "LV-100,Lavender Calm Body Lotion,250 ml,24.00,19.20,USD\n"
  "LV-110,Lavender Calm Hand Cream,75 ml,12.50,10.00,USD\n"
  "CT-200,Citrus Burst Body Wash,400 ml,16.00,12.80,USD\n"
  "CT-210,Citrus Burst Shower Gel Travel Set,3 x 100 ml,18.00,14.40,USD\n"
  "RS-300,Rose Renewal Night Cream,50 ml,42.00,33.60,USD\n"
  "RS-310,Rose Renewal Serum,30 ml,48.00,38.40,USD\n"
  "GT-400,Green Tea Daily Cleanser,150 ml,19.00,15.20,USD\n"
  "KIT-01,Starter Kit (one of each bestseller),kit,99.00,79.00,USD\n";

static const char uk_prices[] =
  "sku,product,size,retail_price,member_price,currency\n"
  "LV-100,Lavender Calm Body Lotion,250 ml,19.50,15.60,GBP\n"
  "LV-110,Lavender Calm Hand Cream,75 ml,9.95,7.96,GBP\n"
  "CT-200,Citrus Burst Body Wash,400 ml,12.95,10.36,GBP\n"
  "RS-300,Rose Renewal Night Cream,50 ml,34.00,27.20,GBP\n"
  "RS-310,Rose Renewal Serum,30 ml,39.00,31.20,GBP\n"
  "GT-400,Green Tea Daily Cleanser,150 ml,15.50,12.40,GBP\n"
  "KIT-01,Starter Kit (one of each bestseller),kit,79.00,63.00,GBP\n";

guint
tc_demo_media_write (const char  *dir,
                     GError     **error)
{
  const char * const catalog[] = {
    "Our spring collection: fresh scents for longer days.",
    "",
    "Lavender Calm Body Lotion - 250 ml - calming, with organic lavender oil",
    "Citrus Burst Body Wash - 400 ml - an energising start to the day",
    "Rose Renewal Night Cream - 50 ml - repairs while you sleep",
    "Green Tea Daily Cleanser - 150 ml - gentle enough for every day",
    "",
    "Ask your associate about this season's bundle offers.",
    NULL
  };
  const char * const skin_care[] = {
    "Three steps to healthy skin, morning and night.",
    "",
    "1. Cleanse: Green Tea Daily Cleanser",
    "2. Treat: Rose Renewal Serum",
    "3. Moisturise: Lavender Calm Body Lotion or Rose Renewal Night Cream",
    "",
    "Dermatologically tested. Not tested on animals.",
    NULL
  };
  const char * const opportunity[] = {
    "Build a business around products people love.",
    "",
    "- Earn retail profit on every sale, from your first week",
    "- Team commissions as your team grows",
    "- Training, events and a marketing site of your own",
    "",
    "Talk to the associate who shared this brochure to get started.",
    NULL
  };
  const char * const compensation[] = {
    "A summary of the compensation plan (details in the associate agreement).",
    "",
    "Retail profit: 20% of the retail price",
    "Personal volume bonus: 5% to 15% by monthly volume",
    "Team bonus: 3% on the volume of your first three levels",
    "Leadership pool: shared quarterly among qualifying leaders",
    NULL
  };
  const char * const wholesale[] = {
    "Wholesale prices for associates, valid from 1 January 2026.",
    "",
    "LV-100 Lavender Calm Body Lotion        19.20",
    "CT-200 Citrus Burst Body Wash           12.80",
    "RS-300 Rose Renewal Night Cream         33.60",
    "RS-310 Rose Renewal Serum               38.40",
    "GT-400 Green Tea Daily Cleanser         15.20",
    "KIT-01 Starter Kit                      79.00",
    "",
    "Prices in USD, before tax and shipping.",
    NULL
  };
  const struct {
    const char *path;
    const char *description;
    Rgb top, bottom, shape;
    const char *type;
  } pictures[] = {
    { "Images/Product photos/Lavender Calm Body Lotion.jpg",
      "Studio photo of the 250 ml bottle, for social media posts.",
      { 200, 190, 230 }, { 120, 100, 170 }, { 160, 120, 200 }, "jpeg" },
    { "Images/Product photos/Citrus Burst Body Wash.jpg",
      "Studio photo of the 400 ml bottle on a bright background.",
      { 255, 230, 150 }, { 250, 170, 60 }, { 255, 140, 40 }, "jpeg" },
    { "Images/Product photos/Rose Renewal Night Cream.jpg",
      "Studio photo of the night cream jar.",
      { 250, 215, 220 }, { 200, 120, 140 }, { 230, 150, 170 }, "jpeg" },
    { "Images/Logos and banners/Team logo.png",
      "The team logo on a transparent-friendly light background.",
      { 240, 245, 250 }, { 210, 225, 240 }, { 40, 90, 160 }, "png" },
    { "Images/Logos and banners/Social media banner.png",
      "A wide banner for profile headers.",
      { 60, 110, 170 }, { 20, 50, 100 }, { 240, 200, 80 }, "png" },
  };
  const struct {
    const char *path;
    const char *description;
    Rgb from, to;
    guint frames;
  } videos[] = {
    { "Training videos/Getting started/Welcome to the team.avi",
      "A short welcome from the leadership team: what to do in your first days.",
      { 70, 130, 180 }, { 20, 40, 80 }, 16 },
    { "Training videos/Getting started/Your first week.avi",
      "Setting up your marketing site and sharing your first brochure.",
      { 60, 160, 120 }, { 20, 70, 50 }, 12 },
    { "Training videos/Product training/Lavender Calm demonstration.avi",
      "How to demonstrate the Lavender Calm range at a home party.",
      { 160, 120, 200 }, { 60, 40, 90 }, 12 },
  };
  guint n = 0;

#define WRITE(rel, bytes, description)                                  \
  G_STMT_START {                                                        \
    g_autoptr(GBytes) data_ = (bytes);                                  \
    if (data_ == NULL || !write_file (dir, rel, data_, description, error)) \
      return 0;                                                         \
    n++;                                                                \
  } G_STMT_END

  WRITE ("Brochures/Product catalogs/Spring catalog 2026.pdf",
         make_pdf ("Spring Catalog 2026", catalog),
         "The full spring range with sizes and descriptions. Share it with customers.");
  WRITE ("Brochures/Product catalogs/Skin care routine.pdf",
         make_pdf ("Your Skin Care Routine", skin_care),
         "A one-page guide to the three-step routine, for new customers.");
  WRITE ("Brochures/Business opportunity/Opportunity overview.pdf",
         make_pdf ("The Business Opportunity", opportunity),
         "For prospects: what joining the team means, in one page.");
  WRITE ("Brochures/Business opportunity/Compensation plan summary.pdf",
         make_pdf ("Compensation Plan Summary", compensation),
         "Bonuses and commissions at a glance. The associate agreement has the details.");
  WRITE ("Price lists/2026/Retail price list US.csv", text_bytes (us_prices),
         "Retail and member prices in US dollars. Opens in any spreadsheet.");
  WRITE ("Price lists/2026/Retail price list UK.csv", text_bytes (uk_prices),
         "Retail and member prices in pounds sterling.");
  WRITE ("Price lists/2026/Wholesale price list.pdf",
         make_pdf ("Wholesale Price List 2026", wholesale),
         "Associate wholesale prices, printable.");

  for (guint i = 0; i < G_N_ELEMENTS (pictures); i++)
    {
      g_autoptr(GdkPixbuf) pixbuf = NULL;
      gboolean wide = strstr (pictures[i].path, "banner") != NULL;

      pixbuf = make_picture (wide ? 1200 : 640, wide ? 400 : 480, pictures[i].top,
                             pictures[i].bottom, pictures[i].shape, 0);
      WRITE (pictures[i].path, encode_picture (pixbuf, pictures[i].type, error),
             pictures[i].description);
    }
  for (guint i = 0; i < G_N_ELEMENTS (videos); i++)
    WRITE (videos[i].path, make_video (videos[i].from, videos[i].to, videos[i].frames, 4, error),
           videos[i].description);
#undef WRITE

  return n;
}
