import type { Config } from '@backstage/config';
import type { GitopsRepository } from './gitops/gitCommit';

export const GITOPS_REPOSITORIES_KEY = 'kratix.scaffolder.gitopsRepositories';
export const TEMPLATES_OWNER_KEY = 'kratix.scaffolder.templates.owner';
export const DEFAULT_TEMPLATE_OWNER = 'group:default/platform-team';

const REF_NAME = /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]+(?<![./])$/;

/**
 * The repositories `mode: gitops` may commit to. Templates name one; its
 * URL and credentials stay in config, so a template cannot send them
 * elsewhere. Errors name the failing key, so a bad config stops the
 * backend at start.
 */
export function gitopsRepositoriesFromConfig(
  config: Config,
): Map<string, GitopsRepository> {
  const repos = new Map<string, GitopsRepository>();
  const entries = config.getOptionalConfigArray(GITOPS_REPOSITORIES_KEY) ?? [];
  entries.forEach((entry, i) => {
    const key = `${GITOPS_REPOSITORIES_KEY}[${i}]`;
    const name = entry.getString('name');
    const url = entry.getString('url');
    if (!/^https?:\/\//.test(url)) {
      throw new Error(
        `${key}.url: "${url}" is not an http:// or https:// repository URL`,
      );
    }
    const branch = entry.getOptionalString('branch') ?? 'main';
    if (!REF_NAME.test(branch)) {
      throw new Error(`${key}.branch: "${branch}" is not a branch name`);
    }
    const dir = (entry.getOptionalString('path') ?? '')
      .split('/')
      .filter(p => p && p !== '.');
    if (dir.includes('..')) {
      throw new Error(`${key}.path: must stay inside the repository`);
    }
    if (repos.has(name)) {
      throw new Error(`${key}.name: "${name}" is configured twice`);
    }
    repos.set(name, {
      name,
      url,
      branch,
      path: dir.join('/'),
      username: entry.getOptionalString('username'),
      password: entry.getOptionalString('password'),
      author: {
        name: entry.getOptionalString('author.name') ?? 'backstage',
        email: entry.getOptionalString('author.email') ?? '',
      },
    });
  });
  return repos;
}
