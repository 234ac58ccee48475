import { z } from './zod.ts';
import { Timestamp, Uuid } from './common.ts';

/** Named groups of members: anywhere an approver can be named, a team can be named instead. */
export const TeamMember = z
  .object({
    user_id: z.uuid(),
    name: z.string().openapi({ description: "The member's name, or their email when they have none" }),
    added_at: Timestamp,
  })
  .openapi('TeamMember');

export const Team = z
  .object({
    id: z.uuid(),
    name: z.string(),
    members: z.array(TeamMember).openapi({ description: 'Oldest first' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi('Team');
export type Team = z.infer<typeof Team>;

export const TeamList = z.object({ data: z.array(Team) }).openapi('TeamList', { description: 'Teams by name' });

export const TEAM_LIMITS = { nameMax: 200, membersMax: 500, teamsMax: 200 } as const;

const TeamName = z.string().trim().min(1).max(TEAM_LIMITS.nameMax).openapi({ description: 'Unique in the organization, ignoring case', example: 'SRE' });

export const CreateTeamBody = z
  .strictObject({
    name: TeamName,
    member_ids: z
      .array(Uuid)
      .max(TEAM_LIMITS.membersMax)
      .default([])
      .openapi({ description: 'Members of the organization to put in the team at once' }),
  })
  .openapi('CreateTeamRequest');
export type CreateTeamBody = z.infer<typeof CreateTeamBody>;

export const UpdateTeamBody = z.strictObject({ name: TeamName }).openapi('UpdateTeamRequest');
export type UpdateTeamBody = z.infer<typeof UpdateTeamBody>;

export const AddTeamMemberBody = z.strictObject({ user_id: Uuid.openapi({ description: 'A member of the organization' }) }).openapi('AddTeamMemberRequest');

export const TeamMemberParams = z.object({
  id: Uuid.openapi({ param: { name: 'id', in: 'path' } }),
  userId: Uuid.openapi({ param: { name: 'userId', in: 'path' } }),
});
