/**
 * Sentence templates for the synthetic forum posts, in Korean and English, per topic and sentiment.
 *
 * Slots: {race} the race the post is about, {enemy} another race (the poster's own), {unit} a unit of
 * {race}, {myunit} a unit of {enemy}, {map}, {patch}. A Korean particle goes after a colon and is fitted to
 * the word's last syllable: {race:이} → "테란이" / "저그가", {race:으로} → "테란으로" / "저그로".
 * Templates that use race slots are only chosen for posts that mention a race.
 */
import type { Lang, SentimentLabel, Topic } from './catalog.js';

export interface TemplateSet {
  titles: readonly string[];
  bodies: readonly string[];
}

export const UNITS: Readonly<Record<'Terran' | 'Zerg' | 'Protoss', Readonly<Record<Lang, readonly string[]>>>> = {
  Terran: {
    ko: ['해병', '불곰', '밴시', '사이클론', '공성전차', '화염차', '전투순양함'],
    en: ['Marine', 'Marauder', 'Banshee', 'Cyclone', 'Siege Tank', 'Hellion', 'Battlecruiser'],
  },
  Zerg: {
    ko: ['저글링', '뮤탈', '바퀴', '히드라', '맹독충', '군단숙주', '감염충'],
    en: ['Zergling', 'Mutalisk', 'Roach', 'Hydralisk', 'Baneling', 'Swarm Host', 'Infestor'],
  },
  Protoss: {
    ko: ['추적자', '광전사', '거신', '공허포격기', '폭풍함', '파수기', '고위기사'],
    en: ['Stalker', 'Zealot', 'Colossus', 'Void Ray', 'Tempest', 'Sentry', 'High Templar'],
  },
};

type Templates = Readonly<Record<Lang, Readonly<Record<Topic, Readonly<Record<SentimentLabel, TemplateSet>>>>>>;

export const TEMPLATES: Templates = {
  ko: {
    balance: {
      negative: {
        titles: [
          '{race} 너무 사기예요',
          '{patch} {race} 이거 맞나요?',
          '{unit} 너프 좀 해주세요',
          '{map}에서 {race} 상대 어떻게 이겨요?',
          '{race} 밸런스 진짜 심각하네요',
          '{unit} 하향 언제 하나요',
          '솔직히 지금 {race:은} 날먹 아닌가요',
          '{enemy:으로} {race} 잡는 법 아시는 분',
          '밸런스 패치 언제 나오나요',
          '이번 패치 밸런스 누가 테스트한 건가요',
        ],
        bodies: [
          '{patch} 패치 이후로 {race} 상대 승률이 바닥을 찍었습니다.',
          '{unit} 한 부대만 나와도 막을 방법이 없어요.',
          '{map}에서는 특히 심해요. 초반 러시 한 번이면 게임이 끝납니다.',
          '래더 돌리면 열 판 중 일곱 판은 {race:이에요}.',
          '{enemy:으로} 하는데 진짜 할 맛이 안 나네요.',
          '{myunit:으로} 막아보려 해도 {unit:이} 다 잡아먹어요.',
          '빨리 {unit} 너프 해주세요. 이대로면 접습니다.',
          '개발진은 승률 통계 보고 있긴 한 건가요?',
          '프로 경기도 전부 같은 종족만 나오던데 이게 정상인가요.',
          '밸런스 패치가 너무 늦어요.',
          '이번 시즌은 그냥 쉬어야 할 것 같네요.',
        ],
      },
      neutral: {
        titles: ['{race} 빌드 질문 있습니다', '{patch} 밸런스 어떻게 보세요?', '{race} 대 {enemy} 요즘 메타 정리', '밸런스 토론 글입니다'],
        bodies: [
          '요즘 {race:으로} 어떤 빌드 쓰시나요?',
          '통계로 보면 큰 차이는 없는 것 같기도 하고요.',
          '{map}에서는 {unit} 위주로 가는 게 맞는지 궁금합니다.',
          '다른 분들 의견이 궁금해서 글 남겨요.',
          '저는 {enemy} 유저라서 반대쪽 입장도 들어보고 싶어요.',
        ],
      },
      positive: {
        titles: ['{race} 요즘 재밌네요', '{patch} 밸런스 괜찮은 듯', '{unit} 버프 만족합니다', '이번 패치 좋네요'],
        bodies: [
          '{race:으로} 하는 맛이 살아났어요.',
          '{unit} 조합이 드디어 쓸 만해졌네요.',
          '예전보다 경기가 훨씬 다양해진 느낌입니다.',
          '개발진 수고 많으셨습니다.',
        ],
      },
    },
    bug: {
      negative: {
        titles: [
          '{map} 맵에서 게임 튕김',
          '리플레이 재생이 안 돼요',
          '{unit} 길찾기 버그 있어요',
          '{patch} 이후 유닛 선택 안 되는 버그',
          '관전 모드 화면 멈춤',
          '게임 끝나도 점수가 안 올라가요',
        ],
        bodies: [
          '게임 중에 갑자기 튕기고 패배 처리됐습니다.',
          '재접속해도 같은 증상이에요.',
          '{unit:이} 언덕에서 길을 못 찾고 제자리에서 빙빙 돌아요.',
          '빨리 수정 부탁드립니다.',
          '버그 리포트 남겼는데 답이 없네요.',
          '{map}에서만 그래요. 다른 맵은 괜찮습니다.',
        ],
      },
      neutral: {
        titles: ['이거 버그인가요?', '{unit} 판정 질문', '리플레이 관련 문의'],
        bodies: ['의도된 건지 버그인지 모르겠어요.', '혹시 같은 증상 겪으신 분 있나요?', '스크린샷 첨부합니다.'],
      },
      positive: {
        titles: ['버그 수정 감사합니다', '튕김 현상 해결됐네요'],
        bodies: ['지난 패치에서 고쳐졌네요. 감사합니다.', '이제 리플레이 잘 돌아갑니다.'],
      },
    },
    matchmaking: {
      negative: {
        titles: [
          '매칭 너무 오래 걸려요',
          'MMR 차이 너무 나는 상대가 잡혀요',
          '연패하면 더 센 상대만 나와요',
          '배치고사 이상해요',
          '새벽에는 매칭이 아예 안 잡혀요',
        ],
        bodies: [
          '대기 시간이 5분이 넘어요.',
          '저보다 MMR이 800이나 높은 상대가 잡혔습니다.',
          '{race} 상대만 연속으로 열 번 잡혔어요.',
          '매칭 시스템 좀 손봐주세요.',
          '이러면 래더 할 이유가 없어요.',
        ],
      },
      neutral: {
        titles: ['매칭 기준이 궁금합니다', 'MMR 계산 방식 질문'],
        bodies: ['MMR이 어떻게 계산되는지 아시는 분 있나요?', '시즌 초라서 그런 건지 궁금해요.'],
      },
      positive: {
        titles: ['요즘 매칭 빨라졌네요', '매칭 개선 체감됩니다'],
        bodies: ['비슷한 실력 상대가 잘 잡혀요.', '대기 시간이 확실히 줄었습니다.'],
      },
    },
    performance: {
      negative: {
        titles: ['프레임 드랍 심해요', '{patch} 이후 렉 걸림', '한타 때 버벅여요', '로딩이 너무 길어요'],
        bodies: [
          '큰 교전만 나면 프레임이 20까지 떨어져요.',
          '사양은 충분한데 {patch} 이후로 끊깁니다.',
          '{map} 로딩만 1분 넘게 걸려요.',
          '최적화 좀 해주세요.',
        ],
      },
      neutral: {
        titles: ['그래픽 옵션 추천 부탁드려요', '노트북으로 돌려도 되나요?'],
        bodies: ['어떤 옵션을 낮춰야 할지 모르겠어요.', '사양 정보 같이 올립니다.'],
      },
      positive: {
        titles: ['최적화 좋아졌네요', '렉 없어졌어요'],
        bodies: ['이번 패치 이후로 프레임이 안정적입니다.', '로딩도 빨라졌어요.'],
      },
    },
    monetization: {
      negative: {
        titles: ['스킨 가격 너무 비싸요', '시즌 패스 보상 별로네요', '유료 사령관 팩 너무한 거 아닌가요', '{race} 스킨만 계속 나오네요'],
        bodies: [
          '가격이 두 배는 오른 것 같아요.',
          '과금 유도가 너무 심합니다.',
          '보상 구성이 지난 시즌보다 못해요.',
          '{race} 유저만 챙기는 것 같아서 서운하네요.',
        ],
      },
      neutral: {
        titles: ['시즌 패스 살 만한가요?', '스킨 환불 되나요?'],
        bodies: ['구매 전에 의견 여쭤봅니다.', '환불 규정이 어떻게 되는지 궁금해요.'],
      },
      positive: {
        titles: ['이번 스킨 예쁘네요', '시즌 패스 가성비 좋네요'],
        bodies: ['{unit} 스킨 너무 멋있어요.', '이 정도면 돈 쓸 만합니다.'],
      },
    },
  },
  en: {
    balance: {
      negative: {
        titles: [
          '{race} is way overtuned in {patch}',
          'Please nerf {unit}',
          '{race} on {map} is unplayable',
          'Is anyone else sick of {race} right now?',
          '{patch} {race} balance is a joke',
          'How are you supposed to beat {race} as {enemy}?',
          'When is the next balance patch?',
          'Who playtested this patch?',
        ],
        bodies: [
          'Since {patch} dropped I can barely win against {race}.',
          'The {unit} timing hits before I have anything to stop it.',
          '{map} is the worst, the rush distance is tiny.',
          'Half my ladder games are against {race} now.',
          'I main {enemy} and I am about to quit ladder.',
          'My {myunit} just melt against {unit}.',
          'Do the devs even look at the win rates?',
          'Every tournament final is the same matchup.',
          'Balance patches take way too long.',
        ],
      },
      neutral: {
        titles: [
          '{race} build order question',
          'Thoughts on {patch} balance?',
          '{race} vs {enemy} meta summary',
          'Balance discussion thread',
        ],
        bodies: [
          'What builds are people using as {race} these days?',
          'The numbers might not be that far off, honestly.',
          'Is going heavy {unit} on {map} still the right call?',
          'Curious what everyone else thinks.',
          'I play {enemy}, so I would like to hear the other side too.',
        ],
      },
      positive: {
        titles: [
          '{race} feels great this patch',
          'Good job on {patch} balance',
          '{unit} buff was the right call',
          'Really enjoying this patch',
        ],
        bodies: [
          'Playing {race} is fun again.',
          '{unit} compositions are finally viable.',
          'Games feel a lot more varied than before.',
          'Thanks to the dev team.',
        ],
      },
    },
    bug: {
      negative: {
        titles: [
          'Crash to desktop on {map}',
          'Replays will not load',
          '{unit} pathing bug',
          'Units cannot be selected after {patch}',
          'Observer mode freezes',
          'Ladder points not awarded after a win',
        ],
        bodies: [
          'The game crashed mid-match and counted it as a loss.',
          'Same thing after reconnecting.',
          '{unit} gets stuck on ramps and spins in place.',
          'Please fix this soon.',
          'I filed a bug report and heard nothing back.',
          'Only happens on {map}, other maps are fine.',
        ],
      },
      neutral: {
        titles: ['Is this a bug or intended?', '{unit} hitbox question', 'Replay question'],
        bodies: ['Not sure whether this is intended.', 'Has anyone seen the same thing?', 'Screenshot attached.'],
      },
      positive: {
        titles: ['Thanks for fixing the crash', 'Replay bug is fixed'],
        bodies: ['Fixed in the last patch, thank you.', 'Replays work fine now.'],
      },
    },
    matchmaking: {
      negative: {
        titles: [
          'Queue times are insane',
          'Matched against players 800 MMR above me',
          'Lose streaks only give harder opponents',
          'Placement matches feel broken',
          'No games at night',
        ],
        bodies: [
          'Waiting more than five minutes for a game.',
          'My opponent was 800 MMR higher than me.',
          'Ten {race} opponents in a row.',
          'Please look at the matchmaker.',
          'No reason to play ladder like this.',
        ],
      },
      neutral: {
        titles: ['How does matchmaking work?', 'MMR calculation question'],
        bodies: ['Does anyone know how MMR is calculated?', 'Maybe it is just the start of the season.'],
      },
      positive: {
        titles: ['Matchmaking feels faster', 'Noticeably better matches lately'],
        bodies: ['Opponents are much closer to my level.', 'Queue times are way down.'],
      },
    },
    performance: {
      negative: {
        titles: ['Huge FPS drops in big fights', 'Lag spikes since {patch}', 'Stutter in team fights', 'Loading screen takes forever'],
        bodies: [
          'FPS drops to 20 in every big engagement.',
          'My PC is well above spec and it still stutters since {patch}.',
          'Loading {map} takes over a minute.',
          'Please optimize the game.',
        ],
      },
      neutral: {
        titles: ['Recommended graphics settings?', 'Can I run this on a laptop?'],
        bodies: ['Not sure which settings to lower.', 'Specs below.'],
      },
      positive: {
        titles: ['Performance is much better', 'Lag is gone'],
        bodies: ['Frame rate is stable since the patch.', 'Loading got faster too.'],
      },
    },
    monetization: {
      negative: {
        titles: [
          'Skins are way too expensive',
          'Season pass rewards are weak',
          'Stop putting commanders behind a paywall',
          'Only {race} skins again?',
        ],
        bodies: [
          'Prices feel like they doubled.',
          'The monetization is getting aggressive.',
          'Rewards are worse than last season.',
          'Feels like only {race} players get anything.',
        ],
      },
      neutral: {
        titles: ['Is the season pass worth it?', 'Can I refund a skin?'],
        bodies: ['Asking before I buy.', 'What is the refund policy?'],
      },
      positive: {
        titles: ['New skins look great', 'Season pass is good value'],
        bodies: ['The {unit} skin looks amazing.', 'Worth the money this time.'],
      },
    },
  },
};

/** Does the template use a race-dependent slot? */
export const needsRace = (template: string) => /\{(race|enemy|unit|myunit)[}:]/.test(template);

const JOSA: Readonly<Record<string, readonly [withFinal: string, withoutFinal: string]>> = {
  이: ['이', '가'],
  은: ['은', '는'],
  을: ['을', '를'],
  과: ['과', '와'],
  으로: ['으로', '로'],
  이에요: ['이에요', '예요'],
};

/** Appends a Korean particle fitted to the word's last syllable (no final consonant → second form). */
export function withJosa(word: string, particle: string): string {
  const forms = JOSA[particle];
  if (!forms) return word + particle;
  const code = word.charCodeAt(word.length - 1);
  if (code < 0xac00 || code > 0xd7a3) return word + forms[1];
  const final = (code - 0xac00) % 28;
  const hasFinal = particle === '으로' ? final !== 0 && final !== 8 /* ㄹ takes 로 */ : final !== 0;
  return word + (hasFinal ? forms[0] : forms[1]);
}

/** Fills `{slot}` and `{slot:particle}` from `values`. */
export function render(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)(?::([^}]+))?\}/g, (_, slot: string, particle: string | undefined) => {
    const value = values[slot];
    if (value === undefined) throw new Error(`template slot {${slot}} has no value: ${template}`);
    return particle ? withJosa(value, particle) : value;
  });
}
