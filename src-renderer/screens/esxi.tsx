/** EsxiScreen: the empty state until its service lands. */
export function EsxiScreen() {
  return (
    <section className="panel empty">
      <p>Paste a MAAS network configuration to see what the ESXi image will do with it.</p>
    </section>
  );
}
