import { formatDuration, parseDuration } from '../../core/plan/duration';
import { MIN_TOKEN_SECONDS } from '../../core/plan/validate';
import type { TokenMode } from '../../core/types';
import type { PickItem, StepInfo } from '../../editor/prompts';
import type { CommandDeps } from '../deps';

const LONG_LIVED = -1;
const CUSTOM = -2;

/** Asks how long the token should live; a long-lived Secret token only when allowed. Undefined when cancelled. */
export async function pickTokenMode(
  deps: CommandDeps,
  options: { allowLongLived: boolean; step?: StepInfo; title?: string },
): Promise<TokenMode | undefined> {
  const items: PickItem<number>[] = [
    { label: '1 hour', description: '1h', value: 3600 },
    { label: '8 hours', description: '8h', value: 8 * 3600 },
    {
      label: '24 hours',
      description: '24h',
      detail: 'Time-bound TokenRequest; the server may grant less and we show what it granted.',
      value: 86400,
    },
    { label: '7 days', description: '7d', value: 7 * 86400 },
    { label: '30 days', description: '30d', value: 30 * 86400 },
    { label: 'Other lifetime…', description: 'e.g. 90m, 1h30m, 14d', value: CUSTOM },
  ];
  if (options.allowLongLived) {
    items.push({
      label: 'Long-lived (no expiry)',
      description: 'a kubernetes.io/service-account-token Secret',
      detail: 'Valid until the Secret is deleted. Prefer a time-bound token.',
      value: LONG_LIVED,
    });
  }
  const choice = await deps.prompts.pick(options.title ?? 'Token lifetime', items, {
    step: options.step,
    placeholder: 'How long may the kubeconfig be used?',
  });
  if (choice === undefined) return undefined;
  if (choice === LONG_LIVED) return { kind: 'longLived' };
  if (choice !== CUSTOM) return { kind: 'timeBound', durationSeconds: choice };
  const text = await deps.prompts.input(options.title ?? 'Token lifetime', {
    step: options.step,
    prompt: `A duration of at least ${formatDuration(MIN_TOKEN_SECONDS)}: 90m, 24h, 1h30m, 7d`,
    validate: (v) => {
      try {
        const s = parseDuration(v);
        return s < MIN_TOKEN_SECONDS
          ? `Kubernetes issues tokens for at least ${formatDuration(MIN_TOKEN_SECONDS)}.`
          : undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
  return text === undefined ? undefined : { kind: 'timeBound', durationSeconds: parseDuration(text) };
}
