/**
 * Busy is the only "please wait" the UI shows, and it always says what is being waited for, so a
 * person never stares at a bare spinner.
 */
export function Busy({ reason }: { reason: string }) {
  return (
    <p className="busy" role="status">
      <span className="busy-dot" aria-hidden="true" />
      {reason}
    </p>
  );
}
