/** ManifestsScreen: the empty state until its service lands. */
export function ManifestsScreen() {
  return (
    <section className="panel empty">
      <p>Package lists of synced images appear here, searchable offline.</p>
    </section>
  );
}
