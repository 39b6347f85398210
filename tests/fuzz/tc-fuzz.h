/* tc-fuzz.h: what every fuzz target shares
 *
 * A target defines LLVMFuzzerTestOneInput(). Built with -Dfuzzing=true and
 * clang it links libFuzzer (scripts/fuzz.sh runs it); in every other build
 * it links fuzz-main.c, which replays the seed corpus once as a test, so
 * each input kept in tests/fuzz/corpus/ stays a regression test.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

int LLVMFuzzerInitialize   (int      *argc,
                            char   ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* A property of the code under test that failed: report and abort, which
 * libFuzzer records as a crash (g_assert() is not used: G_DISABLE_ASSERT
 * must not be able to turn a fuzz check off). */
#define TC_FUZZ_CHECK(expr)                                                   \
  G_STMT_START {                                                              \
    if (G_UNLIKELY (!(expr)))                                                 \
      tc_fuzz_fail (__FILE__, __LINE__, #expr);                               \
  } G_STMT_END

G_NORETURN void tc_fuzz_fail (const char *file,
                              int         line,
                              const char *expr);

/* Makes criticals and warnings fatal and silences debug output. Every
 * target's LLVMFuzzerInitialize() calls it. */
void tc_fuzz_init (void);
