/* tc-demo-team.c: the demo team and chat messages of `teamchat-server seed-demo`
 *
 * Fixed tables rather than generated data: a demo must look the same every
 * time it is seeded, so that a walkthrough ("sign in as maria, open Kwame's
 * dashboard…") can be written down once.
 *
 * The team has 37 associates over five levels of the sponsor tree. For ten
 * of them the enroller (who recruited them) is not their sponsor (where
 * they were placed): an upline associate, or in two cases an associate of
 * another branch. Every enroller sits higher in the sponsor tree than the
 * associate, so the enroller tree can have no cycle. The cross-branch
 * enrollers show the team rule at work: Kwame enrolled Camila, who was
 * placed in João's branch, so the two may chat; likewise Priya and Ingrid
 * (placed in Aiko's branch).
 *
 * All contact data is fictional by construction: e-mail addresses use the
 * reserved example.{com,org,net} domains (RFC 2606), US numbers use the
 * 555-01XX range kept for fiction, and UK numbers the Ofcom drama range
 * +44 7700 900XXX.
 */
#include "tc-demo-team.h"

typedef struct {
  const char *id;
  const char *login;
  const char *name;
  const char *email;
  const char *phone;
  const char *sponsor_id;
  const char *enroller_id;
  const char *marketing_site_url;
  const char *offline_channel;
} DemoAssociate;

static const DemoAssociate demo_team[] = {
  /* Level 0: the top of both trees. */
  { "A1001", TC_DEMO_TOP_LOGIN, "Maria González", "maria.gonzalez@example.com",
    "+1 555 555 0101", NULL, NULL, "https://maria.example.com", "sms" },

  /* Level 1 */
  { "A1002", "lars.johansson", "Lars Johansson", "lars.johansson@example.org",
    "+44 7700 900123", "A1001", "A1001", "https://lars-johansson.example.com", "email" },
  { "A1003", "priya.raman", "Priya Raman", "priya.raman@example.net",
    "+1 555 555 0103", "A1001", "A1001", "https://priya-raman.example.com", "sms" },
  { "A1004", "joao.silva", "João Silva", "joao.silva@example.com",
    NULL, "A1001", "A1001", "https://joao-silva.example.com", "email" },
  { "A1005", "aiko.tanaka", "Aiko Tanaka", "aiko.tanaka@example.org",
    "+1 555 555 0105", "A1001", "A1001", "https://aiko-tanaka.example.com", "email" },

  /* Level 2 */
  { TC_DEMO_MEMBER_ID, TC_DEMO_MEMBER_LOGIN, "Kwame Mensah", "kwame.mensah@example.com",
    "+1 555 555 0106", "A1002", "A1002", "https://kwame.example.com", "sms" },
  { "A1007", "anna.kowalska", "Anna Kowalska", "anna.kowalska@example.net",
    NULL, "A1002", "A1002", "https://anna-kowalska.example.com", "email" },
  { "A1008", "siobhan.obrien", "Siobhán O'Brien", "siobhan.obrien@example.org",
    "+44 7700 900456", "A1002", "A1001", "https://siobhan-obrien.example.com", "sms" },
  { "A1009", "ravi.patel", "Ravi Patel", "ravi.patel@example.com",
    "+1 555 555 0109", "A1003", "A1003", "https://ravi-patel.example.com", "email" },
  { "A1010", "chen.wei", "Chen Wei", "chen.wei@example.net",
    "+1 555 555 0110", "A1003", "A1003", "https://chen-wei.example.com", "sms" },
  { "A1011", "mateus.costa", "Mateus Costa", "mateus.costa@example.com",
    NULL, "A1004", "A1004", "https://mateus-costa.example.com", "email" },
  { "A1012", "tomas.herrera", "Tomás Herrera", "tomas.herrera@example.org",
    "+1 555 555 0112", "A1004", "A1004", "https://tomas-herrera.example.com", "email" },
  { "A1013", "fatima.alsayed", "Fatima Al-Sayed", "fatima.alsayed@example.net",
    "+1 555 555 0113", "A1004", "A1001", "https://fatima-alsayed.example.com", "sms" },
  { "A1014", "olga.petrova", "Olga Petrova", "olga.petrova@example.com",
    NULL, "A1005", "A1005", "https://olga-petrova.example.com", "email" },
  { "A1015", "emile.dubois", "Émile Dubois", "emile.dubois@example.org",
    "+1 555 555 0115", "A1005", "A1005", NULL, "email" },

  /* Level 3 */
  { "A1016", "amara.okafor", "Amara Okafor", "amara.okafor@example.com",
    "+1 555 555 0116", TC_DEMO_MEMBER_ID, TC_DEMO_MEMBER_ID,
    "https://amara-okafor.example.com", "sms" },
  { "A1017", "zanele.dlamini", "Zanele Dlamini", "zanele.dlamini@example.net",
    "+1 555 555 0117", TC_DEMO_MEMBER_ID, "A1002", "https://zanele-dlamini.example.com", "email" },
  { "A1018", "kofi.boateng", "Kofi Boateng", "kofi.boateng@example.org",
    NULL, TC_DEMO_MEMBER_ID, TC_DEMO_MEMBER_ID, "https://kofi-boateng.example.com", "email" },
  { "A1019", "piotr.nowak", "Piotr Nowak", "piotr.nowak@example.com",
    "+44 7700 900789", "A1007", "A1007", "https://piotr-nowak.example.com", "email" },
  { "A1020", "niamh.kelly", "Niamh Kelly", "niamh.kelly@example.net",
    "+44 7700 900321", "A1008", "A1002", "https://niamh-kelly.example.com", "sms" },
  { "A1021", "ananya.iyer", "Ananya Iyer", "ananya.iyer@example.com",
    "+1 555 555 0121", "A1009", "A1009", "https://ananya-iyer.example.com", "email" },
  { "A1022", "arjun.mehta", "Arjun Mehta", "arjun.mehta@example.org",
    "+1 555 555 0122", "A1009", "A1003", NULL, "sms" },
  { "A1023", "li.na", "Li Na", "li.na@example.net",
    NULL, "A1010", "A1010", "https://li-na.example.com", "email" },
  { "A1024", "camila.rodrigues", "Camila Rodrigues", "camila.rodrigues@example.com",
    "+1 555 555 0124", "A1011", TC_DEMO_MEMBER_ID, "https://camila-rodrigues.example.com", "sms" },
  { "A1025", "lucia.fernandez", "Lucía Fernández", "lucia.fernandez@example.org",
    "+1 555 555 0125", "A1012", "A1012", "https://lucia-fernandez.example.com", "email" },
  { "A1026", "diego.morales", "Diego Morales", "diego.morales@example.com",
    NULL, "A1012", "A1012", NULL, "email" },
  { "A1027", "youssef.haddad", "Youssef Haddad", "youssef.haddad@example.net",
    "+1 555 555 0127", "A1013", "A1004", "https://youssef-haddad.example.com", "email" },
  { "A1028", "dmitri.volkov", "Dmitri Volkov", "dmitri.volkov@example.com",
    "+1 555 555 0128", "A1014", "A1014", "https://dmitri-volkov.example.com", "email" },
  { "A1029", "chloe.martin", "Chloé Martin", "chloe.martin@example.org",
    "+1 555 555 0129", "A1015", "A1015", "https://chloe-martin.example.com", "sms" },

  /* Level 4 */
  { "A1030", "chinedu.eze", "Chinedu Eze", "chinedu.eze@example.com",
    "+1 555 555 0130", "A1016", "A1016", "https://chinedu-eze.example.com", "email" },
  { "A1031", "lan.nguyen", "Nguyễn Thị Lan", "lan.nguyen@example.net",
    "+1 555 555 0131", "A1016", TC_DEMO_MEMBER_ID, "https://lan-nguyen.example.com", "sms" },
  { "A1032", "thabo.nkosi", "Thabo Nkosi", "thabo.nkosi@example.org",
    NULL, "A1017", "A1017", "https://thabo-nkosi.example.com", "email" },
  { "A1033", "meera.krishnan", "Meera Krishnan", "meera.krishnan@example.com",
    "+1 555 555 0133", "A1021", "A1021", "https://meera-krishnan.example.com", "email" },
  { "A1034", "rafael.souza", "Rafael Souza", "rafael.souza@example.net",
    "+1 555 555 0134", "A1024", "A1024", "https://rafael-souza.example.com", "sms" },
  { "A1035", "sofia.ramirez", "Sofía Ramírez", "sofia.ramirez@example.com",
    "+1 555 555 0135", "A1025", "A1012", "https://sofia-ramirez.example.com", "email" },
  { "A1036", "wang.fang", "Wang Fang", "wang.fang@example.org",
    NULL, "A1023", "A1023", "https://wang-fang.example.com", "email" },
  { "A1037", "ingrid.berg", "Ingrid Berg", "ingrid.berg@example.net",
    "+1 555 555 0137", "A1028", "A1003", "https://ingrid-berg.example.com", "email" },
};

/* Short, everyday team chat: what the conversation list and notifications
 * should look like in screenshots. Mostly English, a few in Spanish, French
 * and Portuguese, as an international team would write. */
static const char *const demo_messages[] = {
  "Good morning team! ☀️ The new Vitality Plus line launches on Monday.",
  "Reminder: product training call tonight at 7 pm Eastern. Link is in the media library.",
  "Congratulations on reaching Gold rank! 🎉 So well deserved.",
  "Did my order #10482 ship yet? The tracking page still says “processing”.",
  "Yes, it left the warehouse this morning. You should get the tracking email today.",
  "Who's coming to the regional event in Austin next month?",
  "Count me in! Already booked the hotel 🙌",
  "Can someone share the new price list PDF? I can't find it.",
  "It's in Media → Sales tools → Price lists.",
  "Thanks, found it!",
  "Great call yesterday, the Q&A part was really helpful.",
  "My customer wants to switch her autoship to every 60 days. How do I do that?",
  "Open her account, then Subscriptions → Edit frequency. Takes a minute.",
  "Welcome to the team, Rafael! 👋 Let me know if you have any questions.",
  "Thank you! Happy to be here.",
  "Quick tip: the sample packs convert much better when you follow up within 48 hours.",
  "Is the starter kit still on promotion this week?",
  "Until Sunday midnight, 20% off.",
  "I just hit 50 customers this quarter 🚀",
  "Amazing work! That's a new record for our branch.",
  "Reminder: monthly volume closes Friday at 11:59 pm.",
  "Can we move our one-on-one to Thursday? Something came up.",
  "Sure, Thursday 3 pm works for me.",
  "The launch webinar recording is now in the media library.",
  "Does anyone have the ingredient sheet for the protein shake?",
  "Sent it to you by email a minute ago.",
  "Heads up: the shipping cut-off for the holidays is December 18th.",
  "Loved the testimonials video, my prospects really responded to it ❤️",
  "Who wants to co-host a product party next weekend?",
  "I'm in! My place or yours?",
  "¡Felicidades por tu nuevo rango! 🎊",
  "¿Alguien tiene el catálogo en español? Mis clientes lo piden.",
  "Sí, está en la biblioteca, carpeta “Catálogos”.",
  "Bonjour à tous ! La formation de jeudi est maintenue à 18 h.",
  "Merci pour l'aide d'hier, ma cliente est ravie 😊",
  "Parabéns pela promoção! Você merece 👏",
  "Alguém vai ao evento em Lisboa em março?",
  "Order question: can a customer return an opened product within 30 days?",
  "Yes, satisfaction guarantee covers opened products for 30 days.",
  "See you all at the kickoff call tomorrow! 📞",
  NULL
};

/**
 * tc_demo_team_rows:
 *
 * Returns the demo team as import rows, ready for the same store code as
 * `import-associates`: sponsors come before the associates they sponsor,
 * every password is %TC_DEMO_PASSWORD and @line is 0. The top associate
 * signs in as %TC_DEMO_TOP_LOGIN, a member lower in the tree as
 * %TC_DEMO_MEMBER_LOGIN.
 *
 * Returns: (transfer full) (element-type TcImportRow): the rows; free with
 *   g_ptr_array_unref()
 */
GPtrArray *
tc_demo_team_rows (void)
{
  GPtrArray *rows = g_ptr_array_new_full (G_N_ELEMENTS (demo_team),
                                          (GDestroyNotify) tc_import_row_free);

  for (gsize i = 0; i < G_N_ELEMENTS (demo_team); i++)
    {
      const DemoAssociate *d = &demo_team[i];
      TcImportRow *row = tc_import_row_new ();

      row->login = g_strdup (d->login);
      row->password = g_strdup (TC_DEMO_PASSWORD);
      row->associate->id = g_strdup (d->id);
      row->associate->name = g_strdup (d->name);
      row->associate->email = g_strdup (d->email);
      row->associate->phone = g_strdup (d->phone);
      row->associate->sponsor_id = g_strdup (d->sponsor_id);
      row->associate->enroller_id = g_strdup (d->enroller_id);
      row->associate->marketing_site_url = g_strdup (d->marketing_site_url);
      row->associate->offline_channel = g_strdup (d->offline_channel);
      g_ptr_array_add (rows, row);
    }

  return rows;
}

/**
 * tc_demo_message_bodies:
 * @n_out: (out) (optional): return location for the number of bodies
 *
 * Returns the texts seed-demo posts between demo associates, in the order
 * of a believable conversation (a question is followed by its answer).
 *
 * Returns: (transfer none) (array zero-terminated=1): static strings
 */
const char *const *
tc_demo_message_bodies (guint *n_out)
{
  if (n_out != NULL)
    *n_out = G_N_ELEMENTS (demo_messages) - 1;

  return demo_messages;
}
