// The CloudFormation custom-resource protocol both Lambdas here answer (ops: Custom::ServiceBounds
// and Custom::EnvironmentStructure; database-access: Custom::DatabaseRoles).

/** What CloudFormation sends a custom resource (the fields used here). */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly ResourceType: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Readonly<Record<string, string>>;
  /** On an update: the properties the previous deploy gave. */
  readonly OldResourceProperties?: Readonly<Record<string, string>>;
}

/**
 * Runs `work` and answers CloudFormation through the event's pre-signed URL: SUCCESS with the
 * attributes it returns, or FAILED with its error as the reason CloudFormation shows (up to 4 KB).
 * The physical id stays the one CloudFormation knows (a new one only on create), so an update
 * never makes CloudFormation delete anything. Returns a one-line outcome for the log.
 */
export async function answerCloudFormation(
  event: CustomResourceEvent,
  work: () => Promise<Record<string, string>>,
  respond: (url: string, body: string) => Promise<void>,
  log: (line: string) => void,
): Promise<string> {
  const common = {
    PhysicalResourceId: event.PhysicalResourceId ?? `${event.LogicalResourceId}-${event.RequestId}`,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
  let body: Record<string, unknown>;
  try {
    body = { ...common, Status: 'SUCCESS', Data: await work() };
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 3500);
    log(`${event.ResourceType} ${event.RequestType} failed: ${reason}`);
    body = { ...common, Status: 'FAILED', Reason: reason };
  }
  await respond(event.ResponseURL, JSON.stringify(body));
  return `${event.ResourceType} ${event.RequestType}: ${body.Status}`;
}

/** Sends a response to CloudFormation's pre-signed URL (the Lambdas' default `respond`). */
export async function putResponse(url: string, body: string): Promise<void> {
  const answer = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!answer.ok) throw new Error(`CloudFormation did not take the response: HTTP ${answer.status}`);
}
