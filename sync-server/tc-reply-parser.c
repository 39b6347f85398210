/* tc-reply-parser.c: an inbound email → the reply text, or why it is dropped */
#include "config.h"

#include <string.h>

#include "tc-email-compose.h"
#include "tc-gmime-autoptr.h"
#include "tc-message.h"
#include "tc-reply-parser.h"

/* Answers that interleave with the quote keep this many quoted lines. */
#define CONTEXT_LINES      3
/* How far below "From:" an Outlook header block may put its next field. */
#define HEADER_BLOCK_LINES 5
/* An attribution ("On …, X wrote:") may be wrapped over this many lines. */
#define ATTRIBUTION_LINES  3
#define MAX_DEPTH          64

/* --- patterns --------------------------------------------------------------- */

/* "-----Original Message-----" and its translations, forwards too. */
static const char original_message_re[] =
  "^\\s*[-_=*]{2,}\\s*("
  "original message|ursprüngliche nachricht|originalnachricht|message d'origine|"
  "message original|mensaje original|messaggio originale|mensagem original|"
  "oorspronkelijk bericht|originalmeddelande|oprindelig meddelelse|opprinnelig melding|"
  "alkuperäinen viesti|исходное сообщение|оригинальное сообщение|původní zpráva|"
  "pôvodná správa|wiadomość oryginalna|oryginalna wiadomość|eredeti üzenet|orijinal mesaj|"
  "原始邮件|原始郵件|元のメッセージ|forwarded message|weitergeleitete nachricht|"
  "message transféré|mensaje reenviado|messaggio inoltrato|mensagem encaminhada"
  ")\\s*[-_=*]{2,}\\s*$";

/* The first line of an Outlook header block ("From: Alice <…>"). */
static const char header_from_re[] =
  "^\\s*\\*?(from|de|von|van|da|från|fra|od|lähettäjä|feladó|kimden|от|від|"
  "差出人|发件人|寄件者|寄件人|보낸 사람|afzender|remetente|emissor)\\s*:\\s*\\*?\\s*\\S";

/* The fields that follow it. */
static const char header_field_re[] =
  "^\\s*\\*?(sent|date|envoyé|gesendet|enviado|enviada|inviato|verzonden|skickat|sendt|"
  "wysłano|lähetetty|elküldve|gönderildi|gönderim tarihi|отправлено|дата|надіслано|datum|"
  "fecha|data|送信日時|发送时间|日期|subject|objet|betreff|asunto|oggetto|onderwerp|assunto|"
  "ämne|emne|temat|aihe|tárgy|konu|тема|件名|主题|to|à|an|para|a|aan|till|til|do|"
  "vastaanottaja|címzett|kime|кому|宛先|收件人|cc)\\s*:";

/* "On Mon, 1 Jan 2024 at 10:00, Alice <a@example.com> wrote:" in many
 * languages; matched against up to three lines joined by spaces. */
static const char attribution_re[] =
  "^\\s*("
  /* a leading word, anything, a "wrote" word, a colon */
  "(on|am|le|el|il|em|op|den|på|w dniu|dnia|dne|v|el día|il giorno|in data|no dia|pada|vào|"
  "la|op de|în data de)\\b.{3,}\\b(wrote|schrieb|a écrit|escribió|escribio|ha scritto|scrisse|"
  "escreveu|schreef|skrev|napisał\\(a\\)|napisała|napisał|napsal\\(a\\)|napsala|napsal|"
  "kirjoitti|írta|yazdı|menulis|đã viết|a scris)\\b.{0,80}[:：]"
  "|"
  /* Russian, Ukrainian and other languages that end with the verb */
  ".{3,}\\b(написал\\(а\\)|написала|написал|пишет|написав|написала\\(в\\)|kirjoitti|írta|"
  "yazdı|napisał\\(a\\)|napisał|napsal)\\s*[:：]"
  "|"
  /* Japanese, Chinese, Korean */
  ".{3,}(のメッセージ|書きました|写道|寫道|작성)\\s*[:：]"
  "|"
  /* Gmail in many languages: "DATE, NAME <address>:" */
  ".*\\d.*<[^<>\\s@]+@[^<>\\s]+>\\s*[:：]"
  ")\\s*$";

/* The generic form, trusted only when quoted lines follow it. */
static const char generic_attribution_re[] =
  "^\\s*\\S.{3,}\\b(wrote|writes|schrieb|a écrit|escribió|ha scritto|escreveu|schreef|"
  "skrev)\\s*[:：]\\s*$";

/* Signatures phones and mail apps add under the reply. */
static const char mobile_signature_re[] =
  "^\\s*("
  "sent from|sent via|sent with|sent using|get outlook for|download outlook for|"
  "envoyé de|envoyé depuis|envoyé à partir de|envoyé avec|"
  "von meinem|gesendet von|gesendet mit|von mail für windows gesendet|"
  "enviado desde|enviado de|enviado do|enviado a partir d|enviado con|"
  "inviato da|inviato dal|inviato con|"
  "verzonden vanaf|verstuurd vanaf|verzonden met|verstuurd met|"
  "skickat från|sendt fra|lähetetty|wysłane z|wysłano z|odesláno z|odoslané z|"
  "отправлено с|отправлено из|надіслано з|"
  "iphone'umdan gönderildi|iphoneから送信|从我的|從我的|나의 iphone에서 보냄"
  ").{0,60}$";

static const char auto_subject_re[] =
  "^\\s*(auto:|automatic reply|autoreply|auto-reply|auto reply|out of office|"
  "out of the office|réponse automatique|absence|abwesenheitsnotiz|automatische antwort|"
  "respuesta automática|fuera de la oficina|risposta automatica|fuori sede|"
  "resposta automática|automatisch antwoord|afwezig|autosvar|automaattinen vastaus|"
  "автоответ|автоматический ответ|自动回复|自動回覆|自動応答)";

typedef struct {
  GRegex *original_message;
  GRegex *header_from;
  GRegex *header_field;
  GRegex *attribution;
  GRegex *generic_attribution;
  GRegex *mobile_signature;
  GRegex *auto_subject;
} Patterns;

static GRegex *
compile (const char *pattern)
{
  g_autoptr(GError) error = NULL;
  GRegex *regex = g_regex_new (pattern, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, &error);

  g_assert_no_error (error);
  return regex;
}

static const Patterns *
patterns (void)
{
  static Patterns p;
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      p.original_message = compile (original_message_re);
      p.header_from = compile (header_from_re);
      p.header_field = compile (header_field_re);
      p.attribution = compile (attribution_re);
      p.generic_attribution = compile (generic_attribution_re);
      p.mobile_signature = compile (mobile_signature_re);
      p.auto_subject = compile (auto_subject_re);
      g_once_init_leave (&done, 1);
    }
  return &p;
}

static gboolean
matches (GRegex     *regex,
         const char *text)
{
  return g_regex_match (regex, text, 0, NULL);
}

/* --- lines and quote depth ------------------------------------------------------- */

typedef struct {
  char *text;    /* without the ">" marks */
  guint depth;   /* how many ">" */
} Line;

static void
line_clear (gpointer data)
{
  g_free (((Line *) data)->text);
}

static GArray *
split_lines (const char *text)
{
  GArray *lines = g_array_new (FALSE, FALSE, sizeof (Line));
  g_auto(GStrv) raw = g_strsplit (text, "\n", -1);

  g_array_set_clear_func (lines, line_clear);
  for (guint i = 0; raw[i] != NULL; i++)
    {
      const char *p = raw[i];
      Line line = { NULL, 0 };

      /* ">", "> >", ">>" all count. */
      for (;;)
        {
          const char *q = p;

          while (*q == ' ' || *q == '\t')
            q++;
          if (*q != '>' || line.depth >= MAX_DEPTH)
            break;
          line.depth++;
          p = q + 1;
        }
      if (line.depth > 0 && *p == ' ')
        p++;
      line.text = g_strdup (p);
      g_strchomp (line.text);
      g_array_append_val (lines, line);
    }
  return lines;
}

static gboolean
is_blank (const Line *line)
{
  for (const char *p = line->text; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return FALSE;
  return TRUE;
}

#define LINE(lines, i) (&g_array_index ((lines), Line, (i)))

/* Joins lines[i..i+n-1] (all unquoted) with spaces, or NULL. */
static char *
join_lines (GArray *lines,
            guint   i,
            guint   n)
{
  GString *joined = g_string_new (NULL);

  for (guint k = i; k < i + n; k++)
    {
      if (k >= lines->len || LINE (lines, k)->depth > 0)
        {
          g_string_free (joined, TRUE);
          return NULL;
        }
      if (joined->len > 0)
        g_string_append_c (joined, ' ');
      g_string_append (joined, LINE (lines, k)->text);
    }
  return g_string_free (joined, FALSE);
}

static gint
next_nonblank (GArray *lines,
               guint   from)
{
  for (guint i = from; i < lines->len; i++)
    if (!is_blank (LINE (lines, i)))
      return (gint) i;
  return -1;
}

static gboolean
attribution_matches (GArray *lines,
                     guint   i,
                     guint   n)
{
  const Patterns *p = patterns ();
  g_autofree char *joined = join_lines (lines, i, n);
  gint after;

  if (joined == NULL)
    return FALSE;
  if (matches (p->attribution, joined))
    return TRUE;
  after = next_nonblank (lines, i + n);
  return matches (p->generic_attribution, joined) && after >= 0 &&
         LINE (lines, (guint) after)->depth > 0;
}

/* How many lines, from @i, make an attribution line (0: none). A wrapped
 * one has no blank line inside, and does not start with a line of the
 * reply: if a full attribution starts on the next line, it starts there. */
static guint
attribution_at (GArray *lines,
                guint   i)
{
  if (LINE (lines, i)->depth > 0 || is_blank (LINE (lines, i)))
    return 0;
  for (guint n = 1; n <= ATTRIBUTION_LINES; n++)
    {
      if (i + n > lines->len || (n > 1 && is_blank (LINE (lines, i + n - 1))))
        return 0;
      if (attribution_matches (lines, i, n))
        {
          g_autofree char *rest = n > 1 ? join_lines (lines, i + 1, n - 1) : NULL;

          return rest != NULL && matches (patterns ()->attribution, rest) ? 0 : n;
        }
    }
  return 0;
}

static gboolean
is_history_start (GArray *lines,
                  guint   i)
{
  const Patterns *p = patterns ();
  Line *line = LINE (lines, i);

  if (line->depth > 0)
    return FALSE;
  if (matches (p->original_message, line->text))
    return TRUE;
  if (matches (p->header_from, line->text))
    {
      guint fields = 0;

      for (guint k = i + 1; k < lines->len && k <= i + HEADER_BLOCK_LINES; k++)
        if (LINE (lines, k)->depth == 0 && matches (p->header_field, LINE (lines, k)->text))
          fields++;
      return fields >= 1;
    }
  return FALSE;
}

static gboolean
is_signature_start (const Line *line)
{
  const char *t = line->text;
  gsize underscores = 0;

  if (line->depth > 0)
    return FALSE;
  /* "-- " loses its space to g_strchomp(). */
  if (g_str_equal (t, "--") || g_str_equal (t, "—"))
    return TRUE;
  /* Outlook's "________________________________" rule. */
  for (; *t == '_'; t++)
    underscores++;
  return *t == '\0' && underscores >= 20;
}

/* --- format=flowed ------------------------------------------------------------------- */

/* RFC 3676: a line ending in a space goes on in the next line of the same
 * quote depth; with DelSp=yes that space goes too. */
static char *
unflow (const char *text,
        gboolean    delsp)
{
  g_autoptr(GArray) lines = split_lines (text);
  GString *out = g_string_new (NULL);
  g_autoptr(GString) current = NULL;
  guint current_depth = 0;
  g_auto(GStrv) raw = g_strsplit (text, "\n", -1);

  for (guint i = 0; i < lines->len; i++)
    {
      Line *line = LINE (lines, i);
      const char *raw_line = raw[i];
      gsize raw_len = strlen (raw_line);
      gboolean soft = raw_len > 0 && raw_line[raw_len - 1] == ' ' &&
                      !g_str_equal (line->text, "--");
      g_autofree char *content = g_strdup (line->text);

      if (soft && !delsp)
        {
          char *joined = g_strconcat (content, " ", NULL);
          g_free (content);
          content = joined;
        }
      if (current != NULL && current_depth == line->depth)
        g_string_append (current, content);
      else
        {
          if (current != NULL)
            {
              for (guint d = 0; d < current_depth; d++)
                g_string_append_c (out, '>');
              g_string_append_printf (out, "%s%s\n", current_depth ? " " : "", current->str);
              g_string_free (g_steal_pointer (&current), TRUE);
            }
          current = g_string_new (content);
          current_depth = line->depth;
        }
      if (!soft)
        {
          for (guint d = 0; d < current_depth; d++)
            g_string_append_c (out, '>');
          g_string_append_printf (out, "%s%s\n", current_depth ? " " : "", current->str);
          g_string_free (g_steal_pointer (&current), TRUE);
        }
    }
  if (current != NULL)
    {
      for (guint d = 0; d < current_depth; d++)
        g_string_append_c (out, '>');
      g_string_append_printf (out, "%s%s\n", current_depth ? " " : "", current->str);
    }
  return g_string_free (out, FALSE);
}

/* --- quotes and signatures ------------------------------------------------------------ */

char *
tc_reply_strip_quotes (const char *text)
{
  const Patterns *p = patterns ();
  g_autoptr(GArray) lines = NULL;
  g_autoptr(GArray) kept = g_array_new (FALSE, FALSE, sizeof (guint));
  GString *out;
  guint end, n_segments = 0;
  gint first_new = -1, last_new = -1;
  gboolean in_new = FALSE;

  g_return_val_if_fail (text != NULL, NULL);

  lines = split_lines (text);
  end = lines->len;

  /* History that is not ">"-quoted, and signatures, end the reply. */
  for (guint i = 0; i < end; i++)
    {
      Line *line = LINE (lines, i);
      guint n;

      if (is_history_start (lines, i) || is_signature_start (line))
        {
          end = i;
          break;
        }
      n = attribution_at (lines, i);
      if (n > 0)
        {
          gint after = next_nonblank (lines, i + n);

          if (after < 0 || LINE (lines, (guint) after)->depth == 0)
            {
              /* "On … wrote:" over an unquoted copy: all history. */
              end = i;
              break;
            }
          /* Over a ">" quote: the line goes, the quote is dealt with below. */
          for (guint k = i; k < i + n; k++)
            {
              g_free (LINE (lines, k)->text);
              LINE (lines, k)->text = g_strdup ("");
              LINE (lines, k)->depth = MAX_DEPTH + 1;   /* dropped */
            }
          i += n - 1;
          continue;
        }
      if (line->depth == 0 && matches (p->mobile_signature, line->text))
        {
          gint after = next_nonblank (lines, i + 1);

          /* Only as the last thing before the quote or the end. */
          if (after < 0 || LINE (lines, (guint) after)->depth > 0 ||
              is_history_start (lines, (guint) after) ||
              attribution_at (lines, (guint) after) > 0)
            {
              line->depth = MAX_DEPTH + 1;
              continue;
            }
        }
    }

  for (guint i = 0; i < end; i++)
    {
      Line *line = LINE (lines, i);

      if (line->depth == 0 && !is_blank (line))
        {
          if (first_new < 0)
            first_new = (gint) i;
          last_new = (gint) i;
          if (!in_new)
            n_segments++;
          in_new = TRUE;
        }
      else if (line->depth > 0 && line->depth <= MAX_DEPTH)
        in_new = FALSE;
    }
  if (first_new < 0)
    return g_strdup ("");

  /* Which lines to keep: the new text; and when the answers interleave with
   * the quote, the last few quoted lines each answer follows. */
  for (guint i = 0; i <= (guint) last_new; i++)
    {
      Line *line = LINE (lines, i);

      if (line->depth == 0)
        g_array_append_val (kept, i);
      else if (line->depth == 1 && n_segments > 1 && !is_blank (line))
        {
          /* Keep it if new text follows within CONTEXT_LINES quoted lines. */
          guint quoted_after = 0;
          gboolean answered = FALSE;

          for (guint k = i + 1; k <= (guint) last_new; k++)
            {
              Line *next = LINE (lines, k);

              if (next->depth == 0 && !is_blank (next))
                {
                  answered = TRUE;
                  break;
                }
              if (next->depth > 0 && next->depth <= MAX_DEPTH && !is_blank (next))
                quoted_after++;
            }
          if (answered && quoted_after < CONTEXT_LINES)
            g_array_append_val (kept, i);
        }
    }

  out = g_string_new (NULL);
  {
    gboolean blank_pending = FALSE;

    for (guint k = 0; k < kept->len; k++)
      {
        Line *line = LINE (lines, g_array_index (kept, guint, k));

        if (line->depth == 0 && is_blank (line))
          {
            blank_pending = out->len > 0;
            continue;
          }
        if (blank_pending)
          g_string_append_c (out, '\n');
        blank_pending = FALSE;
        if (out->len > 0)
          g_string_append_c (out, '\n');
        if (line->depth == 1)
          g_string_append (out, "> ");
        g_string_append (out, line->text);
      }
  }
  return g_string_free (out, FALSE);
}

/* --- HTML ------------------------------------------------------------------------------ */

static const struct { const char *name; const char *text; } entities[] = {
  { "nbsp", " " }, { "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" },
  { "apos", "'" }, { "hellip", "…" }, { "mdash", "—" }, { "ndash", "–" },
  { "lsquo", "‘" }, { "rsquo", "’" }, { "ldquo", "“" }, { "rdquo", "”" }, { "euro", "€" },
  { "copy", "©" }, { "reg", "®" }, { "eacute", "é" }, { "egrave", "è" }, { "agrave", "à" },
  { "ccedil", "ç" }, { "uuml", "ü" }, { "ouml", "ö" }, { "auml", "ä" }, { "szlig", "ß" },
};

/* Decodes the entity at @p ("&…;"); returns how many bytes it took (0: not one). */
static gsize
decode_entity (const char *p,
               GString    *out)
{
  const char *semi = strchr (p, ';');
  gsize len;

  if (semi == NULL || semi - p > 10)
    return 0;
  len = (gsize) (semi - p) + 1;
  if (p[1] == '#')
    {
      guint64 code;
      gboolean hex = p[2] == 'x' || p[2] == 'X';
      g_autofree char *digits = g_strndup (p + (hex ? 3 : 2), (gsize) (semi - p) - (hex ? 3 : 2));

      if (*digits == '\0' ||
          !g_ascii_string_to_unsigned (digits, hex ? 16 : 10, 1, 0x10FFFF, &code, NULL) ||
          !g_unichar_validate ((gunichar) code))
        return 0;
      g_string_append_unichar (out, code == 0xA0 ? ' ' : (gunichar) code);
      return len;
    }
  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    if (strlen (entities[i].name) == len - 2 && strncmp (p + 1, entities[i].name, len - 2) == 0)
      {
        g_string_append (out, entities[i].text);
        return len;
      }
  return 0;
}

static gboolean
tag_is (const char *tag,
        const char *name)
{
  gsize n = strlen (name);

  return g_ascii_strncasecmp (tag, name, n) == 0 &&
         (tag[n] == '\0' || g_ascii_isspace (tag[n]) || tag[n] == '/' || tag[n] == '>');
}

static const char *
find_caseless (const char *haystack,
               const char *needle)
{
  gsize n = strlen (needle);

  for (const char *p = haystack; *p != '\0'; p++)
    if (g_ascii_strncasecmp (p, needle, n) == 0)
      return p;
  return NULL;
}

static gboolean
is_block_tag (const char *name)
{
  static const char * const blocks[] = {
    "p", "div", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "pre", "center", "section", "article", "header", "footer", "dd", "dt", "dl",
  };

  for (guint i = 0; i < G_N_ELEMENTS (blocks); i++)
    if (tag_is (name, blocks[i]))
      return TRUE;
  return FALSE;
}

typedef struct {
  GString *out;
  GString *line;
  guint    depth;
  gboolean space;   /* a space is pending in the line */
} HtmlText;

static void
html_newline (HtmlText *h)
{
  g_strchomp (h->line->str);
  h->line->len = strlen (h->line->str);
  for (guint d = 0; d < h->depth; d++)
    g_string_append_c (h->out, '>');
  if (h->depth > 0 && h->line->len > 0)
    g_string_append_c (h->out, ' ');
  g_string_append (h->out, h->line->str);
  g_string_append_c (h->out, '\n');
  g_string_truncate (h->line, 0);
  h->space = FALSE;
}

static void
html_break (HtmlText *h)
{
  /* Block edges make one line end, not empty lines one after the other. */
  if (h->line->len > 0)
    html_newline (h);
}

char *
tc_reply_html_to_text (const char *html)
{
  HtmlText h = { g_string_new (NULL), g_string_new (NULL), 0, FALSE };
  const char *p = html;

  g_return_val_if_fail (html != NULL, NULL);

  while (*p != '\0')
    {
      if (*p == '<')
        {
          const char *end;
          gboolean closing;
          const char *name;

          if (g_str_has_prefix (p, "<!--"))
            {
              end = strstr (p, "-->");
              p = end ? end + 3 : p + strlen (p);
              continue;
            }
          end = strchr (p, '>');
          if (end == NULL)
            break;
          closing = p[1] == '/';
          name = p + (closing ? 2 : 1);
          if (!closing && (tag_is (name, "style") || tag_is (name, "script") ||
                           tag_is (name, "head") || tag_is (name, "title")))
            {
              const char *close_name = tag_is (name, "style") ? "</style" :
                                       tag_is (name, "script") ? "</script" :
                                       tag_is (name, "head") ? "</head" : "</title";
              const char *close = find_caseless (end, close_name);

              p = close != NULL ? close : p + strlen (p);
              continue;
            }
          if (tag_is (name, "br"))
            html_newline (&h);
          else if (tag_is (name, "blockquote"))
            {
              html_break (&h);
              if (closing && h.depth > 0)
                h.depth--;
              else if (!closing && h.depth < MAX_DEPTH)
                h.depth++;
            }
          else if (is_block_tag (name))
            html_break (&h);
          else if (h.line->len > 0 && (tag_is (name, "td") || tag_is (name, "th")) && !closing)
            h.space = TRUE;
          p = end + 1;
          continue;
        }
      if (*p == '&')
        {
          gsize before = h.line->len;
          gsize used;

          if (h.space)
            g_string_append_c (h.line, ' ');
          used = decode_entity (p, h.line);
          if (used > 0)
            {
              h.space = FALSE;
              p += used;
              continue;
            }
          g_string_truncate (h.line, before);
        }
      if (g_ascii_isspace (*p))
        {
          h.space = h.line->len > 0;
          p++;
          continue;
        }
      if (h.space)
        g_string_append_c (h.line, ' ');
      h.space = FALSE;
      g_string_append_c (h.line, *p);
      p++;
    }
  html_break (&h);
  g_string_free (h.line, TRUE);
  return g_string_free (h.out, FALSE);
}

/* --- the message ------------------------------------------------------------------------ */

void
tc_reply_free (TcReply *self)
{
  if (self == NULL)
    return;
  g_free (self->text);
  g_free (self->reason);
  g_free (self->message_id);
  g_free (self->from_address);
  g_clear_pointer (&self->recipients, g_ptr_array_unref);
  g_free (self);
}

static void
drop (TcReply        *reply,
      TcReplyVerdict  verdict,
      const char     *format,
      ...) G_GNUC_PRINTF (3, 4);

static void
drop (TcReply        *reply,
      TcReplyVerdict  verdict,
      const char     *format,
      ...)
{
  va_list args;

  reply->verdict = verdict;
  va_start (args, format);
  g_free (reply->reason);
  reply->reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_clear_pointer (&reply->text, g_free);
}

static void
add_addresses (GPtrArray           *out,
               InternetAddressList *list)
{
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_MAILBOX (address))
        {
          const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));

          if (addr != NULL)
            g_ptr_array_add (out, g_ascii_strdown (addr, -1));
        }
      else if (INTERNET_ADDRESS_IS_GROUP (address))
        add_addresses (out, internet_address_group_get_members (INTERNET_ADDRESS_GROUP (address)));
    }
}

static char *
header_value (GMimeMessage *message,
              const char   *name)
{
  const char *value = g_mime_object_get_header (GMIME_OBJECT (message), name);
  char *copy;

  if (value == NULL)
    return NULL;
  copy = g_ascii_strdown (value, -1);
  return g_strstrip (copy);
}

static gboolean
is_daemon (const char *address)
{
  g_autofree char *local = NULL;
  const char *at;

  if (address == NULL)
    return FALSE;
  at = strchr (address, '@');
  local = g_ascii_strdown (address, at ? at - address : -1);
  return g_str_equal (local, "mailer-daemon") || g_str_equal (local, "postmaster") ||
         g_str_equal (local, "mail-daemon") || g_str_equal (local, "mailerdaemon");
}

/* Bounces and automatic replies: a reason, or NULL for a human reply. */
static TcReplyVerdict
classify (GMimeMessage  *message,
          const char    *from,
          char         **out_reason)
{
  GMimeContentType *type = g_mime_object_get_content_type (g_mime_message_get_mime_part (message)
                                                           ? g_mime_message_get_mime_part (message)
                                                           : GMIME_OBJECT (message));
  g_autofree char *auto_submitted = header_value (message, "Auto-Submitted");
  g_autofree char *precedence = header_value (message, "Precedence");
  g_autofree char *return_path = header_value (message, "Return-Path");
  const char *subject = g_mime_message_get_subject (message);

  if (type != NULL && g_mime_content_type_is_type (type, "multipart", "report"))
    {
      *out_reason = g_strdup ("a bounce or delivery report (multipart/report)");
      return TC_REPLY_DROP_BOUNCE;
    }
  if (is_daemon (from))
    {
      *out_reason = g_strdup_printf ("a bounce (from %s)", from);
      return TC_REPLY_DROP_BOUNCE;
    }
  if (return_path != NULL && g_str_equal (return_path, "<>"))
    {
      *out_reason = g_strdup ("a bounce (null Return-Path)");
      return TC_REPLY_DROP_BOUNCE;
    }
  if (auto_submitted != NULL)
    {
      char *semi = strchr (auto_submitted, ';');

      if (semi != NULL)
        *semi = '\0';
      g_strstrip (auto_submitted);
      if (!g_str_equal (auto_submitted, "no"))
        {
          *out_reason = g_strdup_printf ("an automatic reply (Auto-Submitted: %s)", auto_submitted);
          return TC_REPLY_DROP_AUTOMATIC;
        }
    }
  if (precedence != NULL &&
      (g_str_equal (precedence, "bulk") || g_str_equal (precedence, "junk") ||
       g_str_equal (precedence, "list") || g_str_equal (precedence, "auto_reply")))
    {
      *out_reason = g_strdup_printf ("an automatic reply (Precedence: %s)", precedence);
      return TC_REPLY_DROP_AUTOMATIC;
    }
  if (g_mime_object_get_header (GMIME_OBJECT (message), "X-Autoreply") != NULL ||
      g_mime_object_get_header (GMIME_OBJECT (message), "X-Autorespond") != NULL ||
      g_mime_object_get_header (GMIME_OBJECT (message), "X-Auto-Reply") != NULL)
    {
      *out_reason = g_strdup ("an automatic reply (X-Autoreply)");
      return TC_REPLY_DROP_AUTOMATIC;
    }
  if (subject != NULL && matches (patterns ()->auto_subject, subject))
    {
      *out_reason = g_strdup ("an automatic reply (its subject says so)");
      return TC_REPLY_DROP_AUTOMATIC;
    }
  return TC_REPLY_POST;
}

static gboolean
is_attachment (GMimeObject *part)
{
  GMimeContentDisposition *disposition = g_mime_object_get_content_disposition (part);

  return disposition != NULL && g_mime_content_disposition_is_attachment (disposition);
}

/* The first text/@subtype part that is not an attachment, depth first; a
 * forwarded message/rfc822 is not looked into. */
static GMimeTextPart *
find_text (GMimeObject *object,
           const char  *subtype,
           guint        level)
{
  if (object == NULL || level > MAX_DEPTH)
    return NULL;
  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);

      for (int i = 0; i < g_mime_multipart_get_count (multipart); i++)
        {
          GMimeTextPart *found = find_text (g_mime_multipart_get_part (multipart, i), subtype,
                                            level + 1);
          if (found != NULL)
            return found;
        }
      return NULL;
    }
  if (GMIME_IS_TEXT_PART (object) && !is_attachment (object) &&
      g_mime_content_type_is_type (g_mime_object_get_content_type (object), "text", subtype))
    return GMIME_TEXT_PART (object);
  return NULL;
}

/* The part's text in UTF-8, whatever its charset and transfer encoding. */
static char *
part_text (GMimeTextPart *part)
{
  char *text = g_mime_text_part_get_text (part);
  char *valid;

  if (text == NULL)
    return g_strdup ("");
  valid = g_utf8_make_valid (text, -1);
  g_free (text);
  return valid;
}

static char *
normalize_newlines (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\r')
        {
          g_string_append_c (out, '\n');
          if (p[1] == '\n')
            p++;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

TcReply *
tc_reply_parse (const guint8 *data,
                gsize         len)
{
  TcReply *reply = g_new0 (TcReply, 1);
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *raw_text = NULL;
  g_autofree char *text = NULL;
  GMimeObject *body;
  GMimeTextPart *part;
  InternetAddressList *from;
  TcReplyVerdict verdict;
  static const char * const envelope_headers[] = {
    "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To",
  };

  reply->recipients = g_ptr_array_new_with_free_func (g_free);
  tc_email_init ();

  if (data == NULL || len == 0)
    {
      drop (reply, TC_REPLY_DROP_MALFORMED, "an empty message");
      return reply;
    }
  stream = g_mime_stream_mem_new_with_buffer ((const char *) data, len);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  if (message == NULL || g_mime_message_get_mime_part (message) == NULL)
    {
      drop (reply, TC_REPLY_DROP_MALFORMED, "not an email message");
      return reply;
    }

  if (g_mime_message_get_message_id (message) != NULL)
    reply->message_id = g_strdup (g_mime_message_get_message_id (message));
  from = g_mime_message_get_from (message);
  {
    g_autoptr(GPtrArray) senders = g_ptr_array_new_with_free_func (g_free);

    add_addresses (senders, from);
    if (senders->len > 0)
      reply->from_address = g_strdup (g_ptr_array_index (senders, 0));
  }
  add_addresses (reply->recipients, g_mime_message_get_to (message));
  add_addresses (reply->recipients, g_mime_message_get_cc (message));
  for (guint i = 0; i < G_N_ELEMENTS (envelope_headers); i++)
    {
      const char *value = g_mime_object_get_header (GMIME_OBJECT (message), envelope_headers[i]);

      if (value != NULL)
        {
          g_autoptr(InternetAddressList) list = internet_address_list_parse (NULL, value);
          add_addresses (reply->recipients, list);
        }
    }

  verdict = classify (message, reply->from_address, &reason);
  if (verdict != TC_REPLY_POST)
    {
      drop (reply, verdict, "%s", reason);
      return reply;
    }

  body = g_mime_message_get_mime_part (message);
  part = find_text (body, "plain", 0);
  if (part != NULL)
    {
      g_autofree char *decoded = part_text (part);
      g_autofree char *unix_text = normalize_newlines (decoded);
      const char *format = g_mime_object_get_content_type_parameter (GMIME_OBJECT (part), "format");
      const char *delsp = g_mime_object_get_content_type_parameter (GMIME_OBJECT (part), "delsp");

      if (format != NULL && g_ascii_strcasecmp (format, "flowed") == 0)
        raw_text = unflow (unix_text, delsp != NULL && g_ascii_strcasecmp (delsp, "yes") == 0);
      else
        raw_text = g_steal_pointer (&unix_text);
    }
  else if ((part = find_text (body, "html", 0)) != NULL)
    {
      g_autofree char *decoded = part_text (part);
      g_autofree char *unix_text = normalize_newlines (decoded);

      raw_text = tc_reply_html_to_text (unix_text);
    }
  else
    {
      drop (reply, TC_REPLY_DROP_EMPTY, "no text in the message");
      return reply;
    }

  text = tc_reply_strip_quotes (raw_text);
  g_strstrip (text);
  if (*text == '\0')
    {
      drop (reply, TC_REPLY_DROP_EMPTY, "no new text above the quoted message");
      return reply;
    }
  /* What one chat message may hold. */
  if (g_utf8_strlen (text, -1) > TC_MESSAGE_MAX_BODY_CHARS)
    {
      char *end = g_utf8_offset_to_pointer (text, TC_MESSAGE_MAX_BODY_CHARS - 1);
      char *cut;

      *end = '\0';
      cut = g_strconcat (text, "…", NULL);
      g_free (text);
      text = cut;
    }
  reply->verdict = TC_REPLY_POST;
  reply->text = g_steal_pointer (&text);
  return reply;
}

static gboolean
is_token_text (const char *start,
               const char *end)
{
  for (const char *p = start; p < end; p++)
    if (!g_ascii_isalnum (*p))
      return FALSE;
  return TRUE;
}

char *
tc_reply_find_token (const TcReply *self,
                     const char    *domain)
{
  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < self->recipients->len; i++)
    {
      const char *address = g_ptr_array_index (self->recipients, i);
      const char *at = strrchr (address, '@');

      if (!g_str_has_prefix (address, "reply+") || at == NULL || at == address + 6)
        continue;
      if (domain != NULL && g_ascii_strcasecmp (at + 1, domain) != 0)
        continue;
      /* A token is letters and digits (base32 today); anything else in the
       * local part ("reply+a@b@c", spaces in a quoted local part) is not
       * one of ours, and is not looked up. */
      if (!is_token_text (address + 6, at))
        continue;
      return g_strndup (address + 6, (gsize) (at - address - 6));
    }
  return NULL;
}
