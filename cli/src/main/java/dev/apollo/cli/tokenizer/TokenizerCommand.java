package dev.apollo.cli.tokenizer;

import picocli.CommandLine.Command;

/** {@code apollo tokenizer}: vocabularies in the Hugging Face {@code tokenizer.json} format. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = "Tokenizers in the Hugging Face tokenizer.json format.",
        subcommands = {TokenizerTrainCommand.class})
public final class TokenizerCommand {}
