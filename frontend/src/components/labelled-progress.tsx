import { Progress } from '@mantine/core';

/** A progress bar with its own name and spoken value ("$450 of $1,500 met"), not just "30%":
 * Mantine's section always writes aria-valuetext as a percentage, so the role sits on a wrapper. */
export function LabelledProgress({ label, value, max, text, animated }: { label: string; value: number; max: number; text: string; animated?: boolean }) {
  const percent = max > 0 ? Math.min(100, (100 * value) / max) : 0;
  return (
    <div role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={max} aria-valuenow={Math.min(value, max)} aria-valuetext={text}>
      <Progress.Root size="lg">
        <Progress.Section value={percent} withAria={false} animated={animated} />
      </Progress.Root>
    </div>
  );
}
