//! The checked-in `schema.graphql` is what the code generates (`conduit schema --output schema.graphql`).

#[test]
fn the_checked_in_schema_matches_the_code() {
    let generated = conduit::graphql::sdl();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "schema.graphql is out of date: run `cargo run -- schema --output schema.graphql` and commit it"
    );
}
