# Extracts the translatable strings of the sources the way
# `meson compile teamchat-pot` does, for the i18n tests: xgettext over the
# files of po/POTFILES.in with the keywords and flags of meson's 'glib'
# preset (mesonbuild/modules/i18n.py), the preset po/meson.build uses.
# Keep the two in step when po/meson.build changes.

import os
import shutil
import subprocess

GLIB_PRESET = [
    '--from-code=UTF-8',
    '--add-comments',
    '--keyword=_',
    '--keyword=N_',
    '--keyword=C_:1c,2',
    '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2',
    '--keyword=g_dngettext:2,3',
    '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format',
    '--flag=C_:2:pass-c-format',
    '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format',
    '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format',
    '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format',
    '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format',
    '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format',
    '--flag=g_printerr:1:c-format',
    '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format',
    '--flag=g_sprintf:2:c-format',
    '--flag=g_snprintf:3:c-format',
]


def generate_pot(source_root, potfiles_in, output, package='teamchat'):
    """Writes the template of the sources listed in @potfiles_in (paths
    relative to @source_root) to @output. Returns None, or why it failed."""
    xgettext = shutil.which('xgettext')
    if xgettext is None:
        return 'xgettext not found (Debian package gettext)'
    if not os.path.isfile(potfiles_in):
        return '%s is missing' % potfiles_in
    proc = subprocess.run(
        [xgettext, '--package-name=' + package, '--force-po',
         '-f', potfiles_in, '-D', source_root, '-k_', '-o', output] + GLIB_PRESET,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
        env=dict(os.environ, LC_ALL='C.UTF-8'))
    if proc.returncode != 0 or not os.path.isfile(output):
        return 'xgettext failed (exit %d):\n%s' % (proc.returncode, proc.stdout.strip())
    return None
