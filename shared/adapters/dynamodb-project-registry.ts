import { systemClock, type Clock } from '../contracts/clock.ts';
import { GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Project } from '../domain/project-config.ts';
import type { ProjectRegistry } from '../domain/project-registry.ts';
import {
  byProjectId,
  projectItemFor,
  projectKey,
  projectOf,
  type ProjectItem,
} from '../contracts/projects-table.ts';
import type { AdapterGrants } from '../contracts/grants.ts';

/** The project registry on DynamoDB; the item, its key and its validation are the contract's. */
export class DynamoDbProjectRegistry implements ProjectRegistry {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<DynamoDbProjectRegistry> = [
    { actions: ['dynamodb:GetItem'], on: 'table', by: ['get'] },
    { actions: ['dynamodb:Scan'], on: 'table', by: ['list'] },
    { actions: ['dynamodb:PutItem'], on: 'table', by: ['put'] },
  ];

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async get(projectId: string): Promise<Project | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: projectKey(projectId) }),
    );
    return result.Item ? projectOf(result.Item as ProjectItem) : undefined;
  }

  async list(): Promise<Project[]> {
    const projects: Project[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) projects.push(projectOf(item as ProjectItem));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return projects.sort(byProjectId);
  }

  async put(project: Project): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: projectItemFor(project, this.clock.now()) }),
    );
  }
}
