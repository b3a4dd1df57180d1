/** ImagesScreen: the empty state until its service lands. */
export function ImagesScreen() {
  return (
    <section className="panel empty">
      <p>
        Images you sync from a boot source appear here, with their versions and files. Add a source
        and select images once the image syncer is available.
      </p>
    </section>
  );
}
