/** An error from a forge (GitHub, GitLab), with a reason the sender can act on. */
export class ForgeError extends Error {
  override readonly name = 'ForgeError';
}
