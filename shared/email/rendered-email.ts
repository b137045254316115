/** A rendered email: the subject plus both MIME parts. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}
