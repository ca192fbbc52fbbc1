import * as assert from 'node:assert/strict';

import { ValidationError } from '../../src/core/errors';
import { formatDuration, parseDuration } from '../../src/core/plan/duration';
import {
  checkDns1123Label,
  checkDns1123Subdomain,
  checkRbacName,
  checkServerUrl,
  suggestName,
} from '../../src/core/plan/validate';

describe('name validation', () => {
  it('accepts DNS-1123 labels and subdomains', () => {
    assert.equal(checkDns1123Label('myexample', 'Namespace'), undefined);
    assert.equal(checkDns1123Label('a-1', 'Namespace'), undefined);
    assert.equal(checkDns1123Subdomain('ci.deployer-1', 'Service account name'), undefined);
  });

  it('explains upper case, underscores and edges, with a suggestion', () => {
    assert.match(checkDns1123Label('MyApp', 'Namespace')!, /Namespace "MyApp".*lower case.*Try "myapp"/);
    assert.match(checkDns1123Label('my_app', 'Namespace')!, /only lower-case letters, digits and "-".*Try "my-app"/);
    assert.match(checkDns1123Label('app-', 'Namespace')!, /start and end.*Try "app"/);
    assert.match(checkDns1123Subdomain('a..b', 'Service account name')!, /"\."-separated part/);
  });

  it('refuses dots in labels but not in subdomains', () => {
    assert.ok(checkDns1123Label('a.b', 'Namespace'));
    assert.equal(checkDns1123Subdomain('a.b', 'Secret name'), undefined);
  });

  it('enforces the length limits', () => {
    assert.match(checkDns1123Label('a'.repeat(64), 'Namespace')!, /64 characters long; the limit is 63/);
    assert.equal(checkDns1123Label('a'.repeat(63), 'Namespace'), undefined);
    assert.match(checkDns1123Subdomain('a'.repeat(254), 'Name')!, /limit is 253/);
  });

  it('explains an empty name', () => {
    assert.match(checkDns1123Label('', 'Namespace')!, /Namespace is empty/);
  });

  it('allows ":" in RBAC names but not "/" or "%"', () => {
    assert.equal(checkRbacName('system:aggregate-to-view', 'ClusterRole name'), undefined);
    assert.match(checkRbacName('a/b', 'Role name')!, /may not contain/);
    assert.match(checkRbacName('..', 'Role name')!, /may not be/);
  });

  it('suggests a valid name or nothing', () => {
    assert.equal(suggestName('__My App__'), 'my-app');
    assert.equal(suggestName('***'), undefined);
  });

  it('checks server URLs', () => {
    assert.equal(checkServerUrl('https://127.0.0.1:6443'), undefined);
    assert.match(checkServerUrl('127.0.0.1:6443')!, /https:\/\//);
    assert.match(checkServerUrl('not a url')!, /not a URL/);
  });
});

describe('parseDuration / formatDuration', () => {
  const cases: [string, number][] = [
    ['24h', 86400],
    ['90m', 5400],
    ['1h30m', 5400],
    ['3600s', 3600],
    ['7d', 604800],
    ['1d2h3m4s', 93784],
    [' 2H ', 7200],
  ];
  for (const [text, seconds] of cases) {
    it(`parses ${JSON.stringify(text)} as ${seconds}s`, () => assert.equal(parseDuration(text), seconds));
  }

  const bad: [string, RegExp][] = [
    ['', /Empty duration/],
    ['3600', /no unit; did you mean "3600s"/],
    ['1y', /unknown unit "y"/],
    ['30m1h', /largest first/],
    ['1h1h', /largest first/],
    ['1.5h', /not understood/],
    ['-1h', /not understood/],
    ['0h', /zero/],
    ['h', /not understood/],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseDuration(text),
        (error: unknown) => error instanceof ValidationError && message.test(error.message),
      );
    });
  }

  it('formats seconds in the shortest exact form that parses back', () => {
    assert.equal(formatDuration(86400), '1d');
    assert.equal(formatDuration(5400), '1h30m');
    assert.equal(formatDuration(45), '45s');
    assert.equal(formatDuration(0), '0s');
    for (const seconds of [600, 3601, 93784, 31536000]) assert.equal(parseDuration(formatDuration(seconds)), seconds);
  });
});
