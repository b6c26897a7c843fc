// @ts-check

/**
 * Expired Events are found by when they were written (the recorder writes
 * an Event anew on every repeat) without reading every Event's body: the
 * sweep used to parse all of them, each minute, on every replica.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kratix_objects', table => {
    table.index(['group', 'kind', 'created_at'], 'kratix_objects_created_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kratix_objects', table => {
    table.dropIndex(
      ['group', 'kind', 'created_at'],
      'kratix_objects_created_idx',
    );
  });
};
