// @ts-check

/**
 * The change feed: one row per committed object write, in resourceVersion
 * order, so every replica (and every watcher) sees every change. Rows older
 * than the retention window are compacted away.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('kratix_changes', table => {
    table.comment('Every committed object write, ordered by resourceVersion');
    table.bigInteger('resource_version').primary();
    table.string('type', 16).notNullable().comment('ADDED, MODIFIED, DELETED');
    table.string('group', 253).notNullable();
    table.string('kind', 253).notNullable();
    table.string('namespace', 253).notNullable().defaultTo('');
    table.string('name', 253).notNullable();
    table.text('body').notNullable().comment('JSON of the object as written');
    table
      .text('previous')
      .nullable()
      .comment('JSON of the object before the write (MODIFIED, DELETED)');
    table.bigInteger('committed_at').notNullable().comment('Epoch ms');
    table.index(['committed_at'], 'kratix_changes_committed_at_idx');
  });
  // Watchers asking for a version at or below this one must relist.
  await knex('kratix_counters').insert({
    name: 'compacted_resource_version',
    value: 0,
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('kratix_changes');
  await knex('kratix_counters')
    .where({ name: 'compacted_resource_version' })
    .delete();
};
