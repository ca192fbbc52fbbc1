// The one default token lifetime, the setting `saKubeconfig.defaultTokenLifetime` (default "24h", what the wizard
// always offered): Quick Create, New Token, Generate and Rotate preselect it, and the wizard host passes it to the
// page in its init message. A value Kubernetes would refuse falls back to the default, and the log says so.
import * as vscode from 'vscode';

import { formatDuration, parseDuration } from '../core/plan/duration';
import { MIN_TOKEN_SECONDS } from '../core/plan/validate';
import type { Logger } from '../core/types';

export const DEFAULT_TOKEN_LIFETIME_SETTING = 'defaultTokenLifetime';
export const FALLBACK_TOKEN_LIFETIME = '24h';

/** The default lifetime as typed in the setting (e.g. "24h") and in seconds. */
export function defaultTokenLifetime(logger?: Logger): { text: string; seconds: number } {
  const raw = vscode.workspace
    .getConfiguration('saKubeconfig')
    .get<string>(DEFAULT_TOKEN_LIFETIME_SETTING, FALLBACK_TOKEN_LIFETIME)
    .trim();
  try {
    const seconds = parseDuration(raw);
    if (seconds >= MIN_TOKEN_SECONDS) return { text: raw, seconds };
    logger?.warn(
      `saKubeconfig.${DEFAULT_TOKEN_LIFETIME_SETTING} "${raw}" is shorter than ` +
        `${formatDuration(MIN_TOKEN_SECONDS)}; using ${FALLBACK_TOKEN_LIFETIME}.`,
    );
  } catch (err) {
    logger?.warn(
      `saKubeconfig.${DEFAULT_TOKEN_LIFETIME_SETTING} "${raw}": ${(err as Error).message}; ` +
        `using ${FALLBACK_TOKEN_LIFETIME}.`,
    );
  }
  return { text: FALLBACK_TOKEN_LIFETIME, seconds: parseDuration(FALLBACK_TOKEN_LIFETIME) };
}
