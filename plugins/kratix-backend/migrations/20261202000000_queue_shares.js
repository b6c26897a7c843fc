// @ts-check

/**
 * Each controller claims from its own share of the queue, as
 * controller-runtime gives each controller its own work queue: a burst of
 * one kind (thousands of Destinations' canary writes) no longer delays the
 * others. The share is the key's first segment (`work/ns/name` → `work`).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kratix_queue', table => {
    table
      .string('queue', 64)
      .notNullable()
      .defaultTo('')
      .comment('The controller whose share of the queue this key is in');
    table.index(['queue', 'due_at'], 'kratix_queue_queue_due_at_idx');
  });
  const rows = await knex('kratix_queue').select('key');
  for (const { key } of rows) {
    await knex('kratix_queue')
      .where({ key })
      .update({ queue: String(key).split('/')[0] });
  }
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kratix_queue', table => {
    table.dropIndex(['queue', 'due_at'], 'kratix_queue_queue_due_at_idx');
    table.dropColumn('queue');
  });
};
