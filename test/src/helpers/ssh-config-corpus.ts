/**
 * The ssh_config corpus (issue 11 §2): each case is a config file, the name given to ssh,
 * and optional extra files (for Include), written under a fresh folder whose path
 * replaces `{dir}` in every text. `{me}` stands for the local user name. The corpus test
 * compares what `ssh -G -F FILE HOST` prints with what Coffer resolves.
 */

/** One case. */
export interface CorpusCase {
  readonly name: string;
  readonly host: string;
  readonly config: string;
  /** Extra files: path relative to {dir} -> contents. */
  readonly files?: Readonly<Record<string, string>>;
}

export const CORPUS: readonly CorpusCase[] = [
  { name: 'Host block then Host * fallbacks', host: 'web', config: 'Host web\n HostName 10.1.1.1\n User alice\nHost *\n User nobody\n Port 2222\n' },
  { name: 'Host patterns are case-sensitive', host: 'WEB', config: 'Host web\n Port 1111\nHost *\n Port 2222\n' },
  { name: 'negated Host pattern excludes', host: 'secret.ex', config: 'Host *.ex !secret.ex\n User everyone\nHost *.ex\n Port 2200\n' },
  { name: '? wildcard and several patterns on one Host line', host: 'db7', config: 'Host nothing db?\n User dbuser\n' },
  { name: 'first value wins, Key=Value and quotes', host: 'q', config: 'Host q\n User="first user"\n Port=2022\nHost *\n User second\n Port 3033\n' },
  { name: 'IdentityFile and CertificateFile accumulate', host: 'k', config: 'Host k\n IdentityFile ~/.ssh/one\n CertificateFile ~/.ssh/one-cert.pub\nHost *\n IdentityFile ~/.ssh/two\n CertificateFile /c2\n' },
  { name: 'default identities when none is set', host: 'nokey', config: 'Host nokey\n User u\n' },
  { name: 'Match host sees the HostName', host: 'db', config: 'Host db\n HostName %h.internal\nMatch host db.internal\n User dbadmin\n Port 5022\n' },
  { name: 'Match host ignores case', host: 'Box', config: 'Match host BOX\n User boxer\n' },
  { name: 'Match originalhost sees the alias', host: 'alias1', config: 'Host alias1\n HostName 192.0.2.9\nMatch originalhost alias1\n Port 2201\nMatch host alias1\n User never\n' },
  { name: 'Match user sees the remote user so far', host: 'mu', config: 'Host mu\n User bob\nMatch user bob\n Port 2202\nMatch user alice\n Port 1\n' },
  { name: 'Match user defaults to the local user', host: 'mu2', config: 'Match user {me}\n Port 2203\n' },
  { name: 'Match localuser', host: 'lu', config: 'Match localuser {me},someone\n User fromlocal\nMatch localuser !{me}\n Port 1\n' },
  { name: 'Match exec with tokens', host: 'ex', config: 'Match exec "test %n = ex -a %p = 22"\n User execd\nMatch exec false\n Port 1\n' },
  { name: 'negated Match criterion and Match all', host: 'neg', config: 'Match !host neg\n User wrong\nMatch !originalhost other host neg\n Port 2204\nMatch all\n User everyone\n' },
  { name: 'Match final gets a second pass', host: 'fin', config: 'Match final\n Port 2205\nMatch !final\n User early\n' },
  { name: 'Match canonical without canonicalisation', host: 'can', config: 'Match canonical\n User canon\nMatch !canonical\n Port 2206\n' },
  { name: 'exec skipped after a failed criterion', host: 'ex2', config: 'Match host nomatch exec true\n User wrong\n' },
  { name: 'Include with a glob in a directory name', host: 'inc', config: 'Include {dir}/conf*.d/*.conf\n', files: { 'conf1.d/a.conf': 'Host inc\n User fromglob\n', 'conf2.d/b.conf': 'Host inc\n Port 2207\n', 'conf1.d/.hidden.conf': 'Host *\n HostName hidden\n' } },
  { name: 'Include inside a Host block does not end it', host: 'ib', config: 'Host ib\n Include {dir}/ib.conf\n Port 2208\nHost *\n User late\n', files: { 'ib.conf': 'HostName ib.example\n' } },
  { name: 'file included under a non-matching Host does not apply', host: 'other', config: 'Host ib\n Include {dir}/nm.conf\nHost *\n Port 2209\n', files: { 'nm.conf': 'User leaked\nHost *\n HostName leaked\n' } },
  { name: 'Host blocks inside an included file, then back to the outer block', host: 'ob', config: 'Host ob\n Include {dir}/ob.conf\n Port 2210\n', files: { 'ob.conf': 'Host nomatch\n User wrong\nHost ob\n HostName ob.inner\n' } },
  { name: 'Include of nothing and Match inside an include', host: 'mi', config: 'Include {dir}/none-*.conf\nMatch host mi\n Include {dir}/mi.conf\n', files: { 'mi.conf': 'Match user {me}\n User mimatched\n' } },
  { name: 'HostName tokens', host: '7', config: 'Host 7\n HostName 127.0.0.%h\n' },
  { name: 'IdentityFile and UserKnownHostsFile tokens', host: 'tok', config: 'Host tok\n HostName Tok.Example\n User tu\n Port 2022\n IdentityFile ~/.ssh/%n-%i-%l-%C-%d\n UserKnownHostsFile ~/kh-%h-%p-%r-%C-%n-%l-%u-%i-%d-%k-%L-%% /abs/%n\n' },
  { name: '${ENV} in UserKnownHostsFile and HostKeyAlias in %k', host: 'envh', config: 'Host envh\n HostKeyAlias keyalias\n UserKnownHostsFile ${COFFER_CORPUS_VAR}/kh-%k\n IdentityFile ${COFFER_CORPUS_VAR}/id\n' },
  { name: 'ProxyJump ssh:// URI', host: 'pj1', config: 'Host pj1\n ProxyJump ssh://jumper@bastion.example:2222\n' },
  { name: 'ProxyJump chain', host: 'pj2', config: 'Host pj2\n ProxyJump a.example,juser@b.example:2200,c\n' },
  { name: 'ProxyJump none stops later ProxyJump', host: 'pj3', config: 'Host pj3\n ProxyJump none\nHost *\n ProxyJump late\n' },
  { name: 'ProxyCommand with tokens', host: 'pc', config: 'Host pc\n ProxyCommand ssh -W %h:%p -l %r jump-%n\n' },
  { name: 'ProxyCommand first excludes ProxyJump', host: 'pc2', config: 'Host pc2\n ProxyCommand /bin/nc %h %p\n ProxyJump a\n' },
  { name: 'ProxyJump first excludes ProxyCommand', host: 'pc3', config: 'Host pc3\n ProxyJump j\n ProxyCommand /bin/nc %h %p\n' },
  { name: 'ProxyCommand none', host: 'pc4', config: 'Host pc4\n ProxyCommand none\nHost *\n ProxyCommand x\n ProxyJump y\n' },
  { name: 'GlobalKnownHostsFile', host: 'g', config: 'Host g\n GlobalKnownHostsFile /etc/ssh/mine ~/g-%h\n' },
  { name: 'StrictHostKeyChecking values', host: 's1', config: 'Host s1\n StrictHostKeyChecking accept-new\nHost *\n StrictHostKeyChecking no\n' },
  { name: 'StrictHostKeyChecking off', host: 's2', config: 'Host s2\n StrictHostKeyChecking off\n' },
  { name: 'IdentitiesOnly', host: 'io', config: 'Host io\n IdentitiesOnly yes\n IdentityFile /keys/io\n' },
  { name: 'CanonicalizeHostname: the final pass matches Host on the HostName', host: 'cz', config: 'Host cz\n HostName 127.0.0.1\n CanonicalizeHostname yes\nHost 127.0.0.1\n Port 2211\nHost cz\n User czuser\n' },
  { name: 'CanonicalizeHostname with domains that do not resolve falls back', host: 'nores', config: 'CanonicalizeHostname yes\nCanonicalDomains invalid.coffer-test\nHost nores\n User first\nMatch canonical host nores\n Port 2212\n' },
  { name: 'CanonicalizeHostname: a trailing dot is already canonical', host: 'dotted.example.', config: 'CanonicalizeHostname yes\nHost dotted.example\n User canondot\n' },
  { name: 'CanonicalizeHostname: a trailing dot marks a fully qualified name', host: 'localhost.', config: 'CanonicalizeHostname yes\nHost localhost.\n User anchored\nHost localhost\n Port 2213\n' },
  { name: 'CanonicalizeHostname no keeps a single pass', host: 'cn', config: 'CanonicalizeHostname no\nHost cn\n HostName 127.0.0.2\nHost 127.0.0.2\n Port 1\n' },
];
