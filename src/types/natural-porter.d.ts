/**
 * natural's Porter stemmer file on its own (its `stemmers` index also loads every other
 * language's stemmer and their dictionaries: ~100 ms of every start). Same object, same type.
 */
declare module 'natural/lib/natural/stemmers/porter_stemmer' {
  import type { Stemmer } from 'natural/lib/natural/stemmers';
  const PorterStemmer: Stemmer;
  export = PorterStemmer;
}
