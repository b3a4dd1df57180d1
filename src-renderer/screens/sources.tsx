/** SourcesScreen: the empty state until its service lands. */
export function SourcesScreen() {
  return (
    <section className="panel empty">
      <p>Boot sources (a simplestreams URL plus its signing keyring) appear here.</p>
    </section>
  );
}
