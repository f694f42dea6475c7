/**
 * The origin (client file ident) of the changesets the server writes itself: reverts of refused
 * writes, data-API and admin writes, schema additions. No client file is given this ident, so a
 * replica can always tell the server's own changes from a client's.
 */
export const SERVER_ORIGIN = 1;
