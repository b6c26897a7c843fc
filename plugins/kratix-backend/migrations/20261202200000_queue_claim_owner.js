// @ts-check

/**
 * Which replica holds a claim, so another can release a dead replica's
 * claims as soon as its liveness lock is gone instead of at lease end.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('kratix_queue', table => {
    table
      .string('claimed_by', 64)
      .nullable()
      .comment('The replica holding the claim');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('kratix_queue', table => {
    table.dropColumn('claimed_by');
  });
};
