// @ts-check

/*
 * Times are epoch milliseconds in bigint columns and object timestamps are
 * ISO strings: both read back identically from SQLite and PostgreSQL, which
 * date/time columns do not.
 */

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('kratix_counters', table => {
    table.comment('Global counters; a row lock on PostgreSQL orders writers');
    table.string('name', 64).primary();
    table.bigInteger('value').notNullable();
  });
  await knex('kratix_counters').insert({ name: 'resource_version', value: 0 });

  await knex.schema.createTable('kratix_objects', table => {
    table.comment('Kubernetes-shaped objects of the embedded Kratix engine');
    table.bigIncrements('id').primary();
    table.string('group', 253).notNullable();
    table.string('kind', 253).notNullable();
    table
      .string('namespace', 253)
      .notNullable()
      .defaultTo('')
      .comment('Empty for cluster-scoped kinds');
    table.string('name', 253).notNullable();
    table.string('uid', 36).notNullable();
    table.bigInteger('resource_version').notNullable();
    table.integer('generation').notNullable();
    table
      .text('labels')
      .notNullable()
      .comment('JSON of metadata.labels, read without parsing the body');
    table.text('body').notNullable().comment('JSON of the whole object');
    table.string('deletion_timestamp', 64).nullable();
    table.string('created_at', 64).notNullable();
    // Its (group, kind) and (group, kind, namespace) prefixes serve listing.
    table.unique(['group', 'kind', 'namespace', 'name'], {
      indexName: 'kratix_objects_key_uniq',
    });
  });

  await knex.schema.createTable('kratix_queue', table => {
    table.comment('Durable de-duplicating work queue of the controllers');
    table.string('key', 1024).primary();
    table
      .bigInteger('due_at')
      .notNullable()
      .comment('When it can be claimed; the lease end while claimed');
    table.integer('attempts').notNullable().defaultTo(0);
    table.string('claim_token', 64).nullable();
    table.bigInteger('lease_until').nullable();
    table
      .bigInteger('requeue_at')
      .nullable()
      .comment('Set when enqueued while claimed: due again at this time');
    table.index(['due_at'], 'kratix_queue_due_at_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('kratix_queue');
  await knex.schema.dropTable('kratix_objects');
  await knex.schema.dropTable('kratix_counters');
};
