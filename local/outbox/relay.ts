import { createTransport } from 'nodemailer';

export interface SmtpRelayConfig {
  host: string;
  port: number;
  secure?: boolean;
  auth?: { user: string; pass: string };
}

/** Forwards a raw message unchanged to an SMTP server. */
export async function relayRaw(
  config: SmtpRelayConfig,
  raw: Buffer,
  envelope: { from: string; to: string[] },
): Promise<void> {
  const transport = createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure ?? false,
    ...(config.auth ? { auth: config.auth } : {}),
  });
  try {
    await transport.sendMail({ envelope, raw });
  } finally {
    transport.close();
  }
}
