// @ts-check

/*
 * One row per label of every object, so a list by label reads the objects
 * that have it instead of every object of the kind. The controllers list by
 * label on every reconcile (a request's Works, a Work's placements, an
 * object's Events and pipeline runs); without it each of those read and
 * parsed the labels of every object of the kind, and a request got slower
 * with every request before it.
 */

const CHUNK = 500;

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('kratix_object_labels', table => {
    table.comment('metadata.labels of kratix_objects, one row per label');
    table.bigInteger('object_id').notNullable().comment('kratix_objects.id');
    table.string('group', 253).notNullable();
    table.string('kind', 253).notNullable();
    table.string('key', 317).notNullable();
    table.string('value', 63).notNullable();
    table.primary(['object_id', 'key']);
    table.index(['group', 'kind', 'key', 'value'], 'kratix_object_labels_idx');
  });
  let last = 0;
  for (;;) {
    const objects = await knex('kratix_objects')
      .where('id', '>', last)
      .orderBy('id')
      .limit(CHUNK)
      .select('id', 'group', 'kind', 'labels');
    if (objects.length === 0) break;
    const rows = objects.flatMap(o =>
      Object.entries(JSON.parse(o.labels)).map(([key, value]) => ({
        object_id: o.id,
        group: o.group,
        kind: o.kind,
        key,
        value,
      })),
    );
    for (let i = 0; i < rows.length; i += CHUNK) {
      await knex('kratix_object_labels').insert(rows.slice(i, i + CHUNK));
    }
    last = objects[objects.length - 1].id;
  }
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('kratix_object_labels');
};
