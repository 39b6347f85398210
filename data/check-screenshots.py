#!/usr/bin/env python3
# The metainfo screenshots are files of this repository: every <image> URL
# of the form https://raw.githubusercontent.com/teamchat/teamchat/main/PATH
# must name a PNG that exists at PATH, and every screenshot has a caption
# and one default. Skipped (77) until data/screenshots/ exists.
#
# Usage: check-screenshots.py METAINFO_IN SOURCE_ROOT

import os
import sys
import xml.etree.ElementTree as ET

PREFIX = 'https://raw.githubusercontent.com/teamchat/teamchat/main/'


def main():
    metainfo, root_dir = sys.argv[1:3]
    shots = ET.parse(metainfo).getroot().findall('screenshots/screenshot')
    problems = []
    if not shots:
        problems.append('the metainfo has no <screenshots>')
    if sum(1 for s in shots if s.get('type') == 'default') != 1:
        problems.append('exactly one screenshot must be type="default"')
    paths = []
    for shot in shots:
        image = (shot.findtext('image') or '').strip()
        if not (shot.findtext('caption') or '').strip():
            problems.append('%s has no caption' % image)
        if not image.startswith(PREFIX):
            problems.append('%s is not a file of this repository (%s…)' % (image, PREFIX))
            continue
        paths.append(image[len(PREFIX):])
    if problems:
        for p in problems:
            print('FAIL: ' + p)
        return 1
    if not os.path.isdir(os.path.join(root_dir, 'data', 'screenshots')):
        print('SKIP: data/screenshots/ does not exist yet; the metainfo expects %s'
              % ', '.join(paths))
        return 77
    for path in paths:
        full = os.path.join(root_dir, path)
        if not os.path.isfile(full):
            problems.append('%s is missing (named in the metainfo)' % path)
            continue
        with open(full, 'rb') as f:
            if f.read(8) != b'\x89PNG\r\n\x1a\n':
                problems.append('%s is not a PNG' % path)
    for p in problems:
        print('FAIL: ' + p)
    if problems:
        return 1
    print('%d screenshots, all in the repository: %s' % (len(paths), ', '.join(paths)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
