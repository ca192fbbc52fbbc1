import { formatDuration, parseDuration } from '../../core/plan/duration';
import { MIN_TOKEN_SECONDS } from '../../core/plan/validate';
import type { TokenMode } from '../../core/types';
import { isGoBack, type PickItem, type StepInfo } from '../../editor/prompts';
import { defaultTokenLifetime } from '../../editor/tokenLifetimeSetting';
import type { CommandDeps } from '../deps';

const LONG_LIVED = -1;
const CUSTOM = -2;
/** The longest lifetime offered when the token cannot be revoked before it expires. */
export const MAX_UNBOUND_SECONDS = 86400;

/** "1 hour", "24 hours", "7 days"; other values in the short form ("1h30m"). */
export function lifetimeLabel(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds % 86400 === 0 && seconds >= 2 * 86400) return plural(seconds / 86400, 'day');
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  return formatDuration(seconds);
}

/**
 * Asks how long the token should live; a long-lived Secret token only when allowed. The setting
 * saKubeconfig.defaultTokenLifetime is highlighted (or `active`, e.g. a remembered answer). With `unbound`, the token
 * cannot be revoked early: only lifetimes up to 24 hours are offered, and the result says `unbound`.
 * Undefined when cancelled; throws GoBack when `back` is set and the user presses Back.
 */
export async function pickTokenMode(
  deps: CommandDeps,
  options: {
    allowLongLived: boolean;
    step?: StepInfo;
    title?: string;
    back?: boolean;
    unbound?: boolean;
    active?: TokenMode;
  },
): Promise<TokenMode | undefined> {
  const fallback = defaultTokenLifetime(deps.logger);
  const known = [3600, 8 * 3600, 86400, 7 * 86400, 30 * 86400];
  const max = options.unbound ? MAX_UNBOUND_SECONDS : Infinity;
  const lifetimes = [...new Set([...known, fallback.seconds])].filter((s) => s <= max).sort((a, b) => a - b);
  const items: PickItem<number>[] = lifetimes.map((seconds) => ({
    label: lifetimeLabel(seconds),
    description:
      seconds === fallback.seconds
        ? `${formatDuration(seconds)} · default (setting saKubeconfig.defaultTokenLifetime)`
        : formatDuration(seconds),
    detail: options.unbound
      ? 'Cannot be revoked before it expires.'
      : seconds === fallback.seconds
        ? 'Time-bound TokenRequest; the server may grant less and we show what it granted.'
        : undefined,
    value: seconds,
  }));
  items.push({
    label: 'Other lifetime…',
    description: options.unbound ? `e.g. 90m, 2h (at most ${formatDuration(max)})` : 'e.g. 90m, 1h30m, 14d',
    value: CUSTOM,
  });
  if (options.allowLongLived && !options.unbound) {
    items.push({
      label: 'Long-lived (no expiry)',
      description: 'a kubernetes.io/service-account-token Secret',
      detail: 'Valid until the Secret is deleted. Prefer a time-bound token.',
      value: LONG_LIVED,
    });
  }
  const a = options.active;
  const active = a?.kind === 'longLived' ? LONG_LIVED : a?.kind === 'timeBound' ? a.durationSeconds : fallback.seconds;
  const title = options.title ?? 'Token lifetime';
  const unbound = options.unbound ? { unbound: true } : {};
  for (;;) {
    const choice = await deps.prompts.pick(title, items, {
      step: options.step,
      back: options.back,
      active: items.some((i) => i.value === active) ? active : fallback.seconds,
      placeholder: options.unbound
        ? 'How long may the kubeconfig be used? It cannot be revoked before then.'
        : 'How long may the kubeconfig be used?',
    });
    if (choice === undefined) return undefined;
    if (choice === LONG_LIVED) return { kind: 'longLived' };
    if (choice !== CUSTOM) return { kind: 'timeBound', durationSeconds: choice, ...unbound };
    try {
      const text = await deps.prompts.input(title, {
        step: options.step,
        back: true,
        prompt: `A duration of at least ${formatDuration(MIN_TOKEN_SECONDS)}: 90m, 24h, 1h30m, 7d`,
        validate: (v) => {
          try {
            const s = parseDuration(v);
            if (s < MIN_TOKEN_SECONDS)
              return `Kubernetes issues tokens for at least ${formatDuration(MIN_TOKEN_SECONDS)}.`;
            if (s > max) return `A token that cannot be revoked early is offered for at most ${formatDuration(max)}.`;
            return undefined;
          } catch (err) {
            return (err as Error).message;
          }
        },
      });
      return text === undefined ? undefined : { kind: 'timeBound', durationSeconds: parseDuration(text), ...unbound };
    } catch (err) {
      if (!isGoBack(err)) throw err;
      // Back from the custom lifetime: the list again.
    }
  }
}
