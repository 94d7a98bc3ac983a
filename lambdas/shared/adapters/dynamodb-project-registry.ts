import { GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseProject, type Project } from '#domain/project-config';
import type { ProjectRegistry } from '#domain/project-registry';

/** The project registry on DynamoDB: pk = project id, the validated project in `project`. */
export class DynamoDbProjectRegistry implements ProjectRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(projectId: string): Promise<Project | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: projectId } }),
    );
    return result.Item ? parseProject(result.Item.project) : undefined;
  }

  async list(): Promise<Project[]> {
    const projects: Project[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) projects.push(parseProject(item.project));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return projects.sort((a, b) => a.id.localeCompare(b.id));
  }

  async put(project: Project): Promise<void> {
    const valid = parseProject(project);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: valid.id, project: valid, updatedAt: new Date().toISOString() },
      }),
    );
  }
}
