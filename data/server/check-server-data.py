#!/usr/bin/env python3
# Checks the files installed for server administrators against the real
# teamchat-server:
#  - server.conf.example names every key the server reads (the key table of
#    sync-server/tc-config.c), each in its group with a comment above it,
#    and no other;
#  - the server starts with the example as shipped, and with every setting
#    in it uncommented (paths pointed at a scratch directory; TLS with a
#    certificate made here when openssl is installed);
#  - teamchat-inbound-email signs and posts an email the server accepts
#    (secret from the environment or a file), and answers the mail server
#    with the right exit status when the secret is wrong (75, retry), the
#    server is unreachable (75), the email is too big (65, bounce) or the
#    secret is missing (64).
# TAP output.
#
# Usage: check-server-data.py TEAMCHAT_SERVER EXAMPLE TC_CONFIG_C INBOUND_SCRIPT

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

results = []
SECRET = 'inbound-test-secret-0123456789abcdef0123456789abcdef'
EMAIL = (b'From: Kwame Mensah <kwame@example.com>\r\n'
         b'To: reply+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA@reply.example.com\r\n'
         b'Subject: Re: A message from Maria\r\n'
         b'Message-ID: <check-server-data@example.com>\r\n'
         b'Content-Type: text/plain; charset=utf-8\r\n\r\n'
         b'Thanks, see you tomorrow!\r\n')


def report(ok, name, details=''):
    results.append(ok)
    print('%s %d - %s' % ('ok' if ok else 'not ok', len(results), name))
    if not ok:
        for line in details.splitlines():
            print('#   ' + line)


def server_keys(tc_config_c):
    """(group, key) of every entry of the key table."""
    with open(tc_config_c, encoding='utf-8') as f:
        source = f.read()
    return re.findall(r'(?:STR|UINT)_KEY\s*\(\s*"(\w+)"\s*,\s*"(\w+)"', source)


def example_keys(example):
    """{(group, key): documented?} of the settings in the example, commented
    out ('#key=value') or not. A setting is documented by the comment right
    above it, or above the settings it directly follows (tls_cert, tls_key)."""
    keys = {}
    group = None
    commented = False
    with open(example, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            m = re.match(r'^\[(\w+)\]$', line)
            setting = re.match(r'^#?(\w+)=', line)
            if m:
                group = m.group(1)
                commented = False
            elif setting and group is not None:
                keys[(group, setting.group(1))] = commented
            elif line.startswith('#') and line != '#':
                commented = True
            elif not line:
                commented = False
    return keys


class Server:
    def __init__(self, program, workdir, config, extra=()):
        self.log_path = os.path.join(workdir, 'server.log')
        self.log = open(self.log_path, 'w')
        self.proc = subprocess.Popen(
            [program, 'serve', '--config', config, '--db', os.path.join(workdir, 'test.db'),
             '--media-dir', os.path.join(workdir, 'media'), '--port', '0'] + list(extra),
            stdout=subprocess.PIPE, stderr=self.log, universal_newlines=True,
            env=dict(os.environ, TEAMCHAT_SMTP_PASSWORD='', TEAMCHAT_EMAIL_SECRET='',
                     TEAMCHAT_SMS_AUTH_TOKEN=''))
        self.url = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 1)
            if ready:
                line = self.proc.stdout.readline()
                m = re.match(r'listening on (\S+)', line)
                if m:
                    self.url = m.group(1)
                break
            if self.proc.poll() is not None:
                break

    def stop(self):
        """Stops it with SIGTERM; returns its exit status and log."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
        self.log.close()
        with open(self.log_path, encoding='utf-8', errors='replace') as f:
            return status, f.read()


def check_example_keys(example, tc_config_c):
    wanted = server_keys(tc_config_c)
    found = example_keys(example)
    problems = []
    if len(wanted) < 20:
        problems.append('only %d keys found in %s: has its key table changed form?'
                        % (len(wanted), tc_config_c))
    for group, key in wanted:
        if (group, key) not in found:
            problems.append('[%s] %s is missing' % (group, key))
        elif not found[(group, key)]:
            problems.append('[%s] %s has no comment above it' % (group, key))
    for group, key in sorted(set(found) - set(wanted)):
        problems.append('[%s] %s is not a key the server reads' % (group, key))
    report(not problems, 'server.conf.example documents the %d keys the server reads, '
           'each in its group' % len(wanted), '\n'.join(problems))


def check_example_starts(program, example, tmp):
    workdir = tempfile.mkdtemp(dir=tmp)
    server = Server(program, workdir, example)
    url = server.url
    status, log = server.stop()
    report(url is not None and status == 0,
           'serve starts with server.conf.example as shipped (%s)' % url,
           'exit %s\n%s' % (status, log))

    # Every setting uncommented, its example value kept except for paths.
    workdir = tempfile.mkdtemp(dir=tmp)
    cert = os.path.join(workdir, 'cert.pem')
    key = os.path.join(workdir, 'key.pem')
    tls = False
    if shutil.which('openssl'):
        proc = subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
                               '-keyout', key, '-out', cert, '-days', '2', '-subj',
                               '/CN=localhost'], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
        tls = proc.returncode == 0
    lines = []
    with open(example, encoding='utf-8') as f:
        for line in f:
            m = re.match(r'^#(\w+)=(.*)$', line.rstrip('\n'))
            if m:
                name = m.group(1)
                value = {'db': os.path.join(workdir, 'from-config.db'),
                         'media_dir': os.path.join(workdir, 'media'),
                         'tls_cert': cert, 'tls_key': key}.get(name, m.group(2))
                if name in ('tls_cert', 'tls_key') and not tls:
                    continue
                line = '%s=%s\n' % (name, value)
            lines.append(line)
    uncommented = os.path.join(workdir, 'all.conf')
    with open(uncommented, 'w', encoding='utf-8') as f:
        f.writelines(lines)
    server = Server(program, workdir, uncommented)
    url = server.url
    status, log = server.stop()
    wanted_scheme = 'https://' if tls else 'http://'
    report(url is not None and url.startswith(wanted_scheme) and status == 0 and
           'by email: on' in log and 'by text: on' in log,
           'serve starts with every setting of the example uncommented (%s; email and '
           'text delivery on)%s' % (url, '' if tls else ' # TLS left out: no openssl'),
           'exit %s\n%s' % (status, log))


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run_script(script, url, body, secret=None, args=()):
    env = dict(os.environ)
    env.pop('TEAMCHAT_EMAIL_SECRET', None)
    if secret is not None:
        env['TEAMCHAT_EMAIL_SECRET'] = secret
    proc = subprocess.run(['sh', script] + list(args) + [url], input=body,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=300)
    return proc.returncode, proc.stderr.decode('utf-8', 'replace')


def check_inbound_script(program, script, tmp):
    workdir = tempfile.mkdtemp(dir=tmp)
    config = os.path.join(workdir, 'inbound.conf')
    with open(config, 'w', encoding='utf-8') as f:
        f.write('[email]\nreply_domain=reply.example.com\nwebhook_secret=%s\n' % SECRET)
    server = Server(program, workdir, config)
    if server.url is None:
        status, log = server.stop()
        report(False, 'the server for the inbound email checks starts', log)
        return
    hook = server.url + '/hooks/email'
    try:
        status, err = run_script(script, hook, EMAIL, secret=SECRET)
        report(status == 0, 'an email signed with the secret from TEAMCHAT_EMAIL_SECRET is '
               'taken (exit 0)', 'exit %d\n%s' % (status, err))

        secret_file = os.path.join(workdir, 'email-secret')
        with open(secret_file, 'w') as f:
            f.write(SECRET + '\n')
        status, err = run_script(script, hook, EMAIL, args=['--secret-file', secret_file])
        report(status == 0, 'the secret may come from --secret-file', 'exit %d\n%s' % (status, err))

        status, err = run_script(script, hook, EMAIL, secret='not-the-secret')
        report(status == 75 and '403' in err,
               'a wrong secret: the server refuses it (403), the mail server retries (exit 75)',
               'exit %d\n%s' % (status, err))

        big = EMAIL + b'x' * (10 * 1024 * 1024 + 1)
        status, err = run_script(script, hook, big, secret=SECRET)
        report(status == 65 and '413' in err,
               'an email over 10 MiB is refused (413) and bounced (exit 65)',
               'exit %d\n%s' % (status, err))

        status, err = run_script(script, 'http://127.0.0.1:%d/hooks/email' % free_port(),
                                 EMAIL, secret=SECRET)
        report(status == 75, 'an unreachable server: the mail server retries (exit 75)',
               'exit %d\n%s' % (status, err))

        status, err = run_script(script, hook, EMAIL)
        report(status == 64 and 'secret' in err, 'no secret: exit 64 with a message',
               'exit %d\n%s' % (status, err))
    finally:
        status, log = server.stop()
    dropped = len(re.findall(r'Inbound email .*dropped', log))
    report(dropped == 2 and status == 0,
           'the server read both signed emails (dropped: the reply address is unknown)',
           'exit %s\n%s' % (status, log))


def main():
    program, example, tc_config_c, script = sys.argv[1:5]
    print('1..10')
    with tempfile.TemporaryDirectory() as tmp:
        check_example_keys(example, tc_config_c)
        check_example_starts(program, example, tmp)
        check_inbound_script(program, script, tmp)
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
