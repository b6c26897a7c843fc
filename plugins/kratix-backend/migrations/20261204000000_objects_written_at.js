// @ts-check

/**
 * When each object was last written, for the events sweep: an Event expires
 * a ttl after its last write, as with kube-apiserver's --event-ttl, whoever
 * wrote it. By creation time, an Event another client kept updating expired
 * a ttl after it was first created. Replaces the created_at index, which
 * only the sweep read.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kratix_objects', table => {
    table.string('written_at', 64);
  });
  // created_at holds whole seconds; written_at is toISOString()'s text.
  await knex('kratix_objects').update({
    written_at: knex.raw("substr(created_at, 1, 19) || '.000Z'"),
  });
  await knex.schema.alterTable('kratix_objects', table => {
    table.dropIndex(
      ['group', 'kind', 'created_at'],
      'kratix_objects_created_idx',
    );
    table.index(['group', 'kind', 'written_at'], 'kratix_objects_written_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kratix_objects', table => {
    table.dropIndex(
      ['group', 'kind', 'written_at'],
      'kratix_objects_written_idx',
    );
    table.index(['group', 'kind', 'created_at'], 'kratix_objects_created_idx');
  });
  await knex.schema.alterTable('kratix_objects', table => {
    table.dropColumn('written_at');
  });
};
