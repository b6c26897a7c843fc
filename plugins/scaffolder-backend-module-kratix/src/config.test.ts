import { ConfigReader } from '@backstage/config';
import { gitopsRepositoriesFromConfig } from './config';

const config = (repos: any) =>
  new ConfigReader({ kratix: { scaffolder: { gitopsRepositories: repos } } });

describe('gitopsRepositoriesFromConfig', () => {
  it('reads repositories with their defaults', () => {
    const repos = gitopsRepositoriesFromConfig(
      config([
        {
          name: 'platform',
          url: 'https://git.example.org/p.git',
          path: './requests/',
        },
      ]),
    );
    expect(repos.get('platform')).toEqual({
      name: 'platform',
      url: 'https://git.example.org/p.git',
      branch: 'main',
      path: 'requests',
      username: undefined,
      password: undefined,
      author: { name: 'backstage', email: '' },
    });
    expect(gitopsRepositoriesFromConfig(new ConfigReader({})).size).toBe(0);
  });

  it.each([
    [
      [{ url: 'https://x/y.git' }],
      /kratix\.scaffolder\.gitopsRepositories\[0\]\.name/,
    ],
    [
      [{ name: 'a', url: 'file:///etc' }],
      'kratix.scaffolder.gitopsRepositories[0].url: "file:///etc" is not an http:// or https:// repository URL',
    ],
    [
      [{ name: 'a', url: 'https://x/y.git', branch: '--force' }],
      'kratix.scaffolder.gitopsRepositories[0].branch: "--force" is not a branch name',
    ],
    [
      [{ name: 'a', url: 'https://x/y.git', path: '../up' }],
      'kratix.scaffolder.gitopsRepositories[0].path: must stay inside the repository',
    ],
    [
      [
        { name: 'a', url: 'https://x/y.git' },
        { name: 'a', url: 'https://x/z.git' },
      ],
      'kratix.scaffolder.gitopsRepositories[1].name: "a" is configured twice',
    ],
  ])('refuses %j naming the key', (repos, message) => {
    expect(() => gitopsRepositoriesFromConfig(config(repos))).toThrow(message);
  });
});
