import Foundation
import RetentionCLI

exit(Commands.dispatch(Array(CommandLine.arguments.dropFirst())).rawValue)
