import { CDN_PRICE_CLASSES, type EnvironmentConfig, type SharedConfig } from '../types';
import { MEDIA_PREFIX } from '../../modules/storage/media-storage';
import { checkProductionRisk } from './accepted-risks';
import { isHostname } from './common';
import type { IssueCollector } from './issues';

/** CloudFront's limit on a Content-Security-Policy value in a response headers policy. */
export const CSP_MAX_LENGTH = 1783;

/** An origin a browser sends: scheme, host and an optional port, nothing else. */
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/;

/** The frontend's origin, for the messages: the first frontend record of the shared zone. */
function frontendOrigin(shared: SharedConfig): string {
  const record = shared.frontendRecords[0];
  return record ? `https://${record.name}.${shared.domain}` : `https://www.${shared.domain}`;
}

/**
 * `storage` and `cdn`: CORS origins that are origins (and not `*` in production), a media cleanup
 * that can only touch uploads, versioning in production, and a CDN host in the shared zone whose
 * certificate the us-east-1 edge stack can validate.
 */
export function validateEdge(env: EnvironmentConfig, shared: SharedConfig, issues: IssueCollector): void {
  const storage = env.storage;
  if (storage) {
    const at = (field: string) => `${env.name}.storage.${field}`;
    issues.integerIn(at('noncurrentVersionDays'), storage.noncurrentVersionDays, 1, 3650, ' days');
    storage.corsAllowedOrigins.forEach((origin, index) => {
      const field = at(`corsAllowedOrigins[${index}]`);
      if (origin === '*') {
        if (env.production) {
          issues.add(
            field,
            `"*" lets any site read and upload to a production bucket (name the frontend's origin, e.g. "${frontendOrigin(shared)}")`,
          );
        }
      } else if (!ORIGIN.test(origin)) {
        issues.add(
          field,
          `${JSON.stringify(origin)} is not an origin (scheme, host and optional port, no path or trailing slash, e.g. "${frontendOrigin(shared)}")`,
        );
      }
    });
    const cleanup = storage.mediaCleanup;
    if (!cleanup.prefix.startsWith(MEDIA_PREFIX) || !cleanup.prefix.endsWith('/')) {
      issues.add(
        at('mediaCleanup.prefix'),
        `${JSON.stringify(cleanup.prefix)} is not a folder under "${MEDIA_PREFIX}" (static files must never expire: use e.g. "${MEDIA_PREFIX}tmp/")`,
      );
    }
    issues.integerIn(at('mediaCleanup.days'), cleanup.days, 0, 3650, ' days; 0 turns the rule off');
    checkProductionRisk(env, 'no-bucket-versioning', issues);
  }

  const cdn = env.cdn;
  if (cdn?.enabled) {
    const at = (field: string) => `${env.name}.cdn.${field}`;
    if (!storage) {
      issues.add(`${env.name}.cdn.enabled`, 'true needs a bucket to serve (add storage, or set enabled: false)');
    }
    if (issues.has('shared.domain')) {
      // The domain is wrong: the host cannot be judged against it (one issue, on the domain).
    } else if (!isHostname(cdn.host) || !cdn.host.endsWith(`.${shared.domain}`)) {
      issues.add(
        at('host'),
        `${JSON.stringify(cdn.host)} is not a host inside ${shared.domain} (e.g. "static-${env.name}.${shared.domain}")`,
      );
    } else if (cdn.host === env.apiHost) {
      issues.add(
        at('host'),
        `"${cdn.host}" is the API's host (give the files their own, e.g. "static-${env.name}.${shared.domain}")`,
      );
    }
    issues.oneOf(at('priceClass'), cdn.priceClass, CDN_PRICE_CLASSES, 'a CloudFront price class');
    if (cdn.contentSecurityPolicy !== undefined && cdn.contentSecurityPolicy.trim() === '') {
      issues.add(at('contentSecurityPolicy'), '"" is empty (remove it for the default policy, or write one)');
    } else if ((cdn.contentSecurityPolicy?.length ?? 0) > CSP_MAX_LENGTH) {
      issues.add(
        at('contentSecurityPolicy'),
        `is ${cdn.contentSecurityPolicy!.length} characters, more than the ${CSP_MAX_LENGTH} a CloudFront response headers policy accepts (shorten it, e.g. with default-src)`,
      );
    }
  }
}
