/* tc-json.h: strict helpers for reading and writing protocol JSON */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Parses UTF-8 JSON text of @len bytes (-1: NUL-terminated). Rejects
 * invalid UTF-8 and anything json-glib cannot parse with TC_ERROR_INVALID. */
JsonNode   *tc_json_parse               (const char  *data,
                                         gssize       len,
                                         GError     **error);
char       *tc_json_to_string           (JsonNode    *node);
GBytes     *tc_json_to_bytes            (JsonNode    *node);

/* Typed member access. "required" variants fail with TC_ERROR_INVALID naming
 * the member when it is missing or of another type; "optional" ones accept a
 * missing member or null (leaving *out NULL / the default) but not a wrong
 * type. Strings must be valid UTF-8. */
JsonObject *tc_json_require_object      (JsonNode    *node,
                                         const char  *what,
                                         GError     **error);
gboolean    tc_json_get_string          (JsonObject  *object,
                                         const char  *member,
                                         gboolean     required,
                                         char       **out,
                                         GError     **error);
gboolean    tc_json_get_int             (JsonObject  *object,
                                         const char  *member,
                                         gboolean     required,
                                         gint64      *out,
                                         GError     **error);
gboolean    tc_json_get_bool            (JsonObject  *object,
                                         const char  *member,
                                         gboolean     required,
                                         gboolean    *out,
                                         GError     **error);
/* An array of strings, or NULL in *out when optional and absent. */
gboolean    tc_json_get_string_array    (JsonObject  *object,
                                         const char  *member,
                                         gboolean     required,
                                         GPtrArray  **out,
                                         GError     **error);

/* Builder helpers: NULL strings become JSON null. */
void        tc_json_set_string_or_null  (JsonObject  *object,
                                         const char  *member,
                                         const char  *value);

/* Writing JSON text without a tree, for the hot paths (the answer to a
 * send). Strings are UTF-8; they go out quoted, with what RFC 8259 asks
 * escaped (quote, backslash, control characters); NULL becomes null. */
void        tc_json_append_string       (GString     *out,
                                         const char  *value);

/* {"error": wire code, "message": text} */
JsonNode   *tc_json_error_new           (const GError *error);
/* Reads such a body back into a TC_ERROR; FALSE when it is none. */
gboolean    tc_json_error_parse         (JsonNode    *node,
                                         guint        http_status,
                                         GError     **error);

G_END_DECLS
