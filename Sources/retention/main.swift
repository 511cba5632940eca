import Foundation
import RetentionCore

let arguments = Array(CommandLine.arguments.dropFirst())
exit(Commands.dispatch(arguments).rawValue)
